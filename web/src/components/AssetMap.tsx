// A plot of positioned assets on lat/lon axes: pure SVG, so nothing is fetched from the
// internet (no map tiles) and it works offline and in tests. Each point is a button: Tab
// reaches it, Enter or Space selects it. Names never overlap (see mapLabels): one that has
// no room shows while its point is hovered or focused. A legend says what the colours mean.
// The plot is drawn at the size it is shown (one unit a pixel), so names keep their size
// on a phone, where fewer of them fit. Each asset's recent trail, when given, is a thin line
// in its status colour under the points; the selected asset's track, when given, is drawn
// over them as a wider line in its colour; the plot widens to hold both.
import { useEffect, useState, type KeyboardEvent } from "react";
import type { Asset, Fix } from "../api/client";
import { fallbackPlacement, placeLabels, type LabelPoint } from "./mapLabels";
import { ASSET_STATUSES } from "./ui";

const WIDTH = 640; // until the page is laid out (and in tests, which have no layout)
const PAD = 36;

/** The plot's height for a width: 16:9, within what fits beside the list. */
const heightFor = (width: number) => Math.round(Math.min(360, Math.max(220, (width * 9) / 16)));

/** The element's width in pixels, followed as the window changes. */
function useWidth(element: Element | null): number {
  const [width, setWidth] = useState(WIDTH);
  useEffect(() => {
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry.contentRect.width > 0) setWidth(Math.round(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

type Positioned = Asset & { lat: number; lon: number };

/** Whose name gets room first (the selection, then the assets in trouble) and whose point
 * is drawn on top. */
const URGENCY: Record<Asset["status"], number> = {
  unreachable: 0,
  offline: 1,
  maintenance: 2,
  deployed: 3,
  available: 4,
};

function Legend() {
  return (
    <ul className="legend" aria-label="Status colours">
      {ASSET_STATUSES.map((status) => (
        <li key={status} className={`status-${status}`}>
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" />
          </svg>{" "}
          {status}
        </li>
      ))}
    </ul>
  );
}

function bounds(points: { lat: number; lon: number }[]) {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  // Never collapse to a point: keep at least a 0.02° window around a lone asset.
  const span = (lo: number, hi: number) => Math.max(hi - lo, 0.02);
  const [minLat, maxLat] = [Math.min(...lats), Math.max(...lats)];
  const [minLon, maxLon] = [Math.min(...lons), Math.max(...lons)];
  return { minLat, minLon, dLat: span(minLat, maxLat), dLon: span(minLon, maxLon) };
}

export function AssetMap({
  assets,
  selected,
  onSelect,
  track = [],
  trails,
}: {
  assets: Asset[];
  selected?: number | null;
  onSelect?: (id: number) => void;
  /** The selected asset's fixes, oldest first. */
  track?: Pick<Fix, "lat" | "lon">[];
  /** Each asset's recent fixes by its id, oldest first (none: no trails drawn). */
  trails?: ReadonlyMap<number, Pick<Fix, "lat" | "lon">[]>;
}) {
  const [figure, setFigure] = useState<HTMLElement | null>(null);
  const W = useWidth(figure);
  const H = heightFor(W);
  const points = assets
    .filter((a): a is Positioned => typeof a.lat === "number" && typeof a.lon === "number")
    // Drawn in the list's order (the order Tab visits them) but the assets in trouble last,
    // so that no other point covers them.
    .sort((p, q) => URGENCY[q.status] - URGENCY[p.status]);
  if (points.length === 0) return <p className="muted">No asset has reported a position.</p>;
  const chosen = points.find((p) => p.id === selected);
  const trail = chosen && track.length > 1 ? track : [];
  // The selected asset's track, when there is one, stands for its trail.
  const others = points
    .map((a) => ({ asset: a, fixes: trails?.get(a.id) ?? [] }))
    .filter(({ asset, fixes }) => fixes.length > 1 && !(asset.id === chosen?.id && trail.length > 0));
  const b = bounds([...points, ...trail, ...others.flatMap(({ fixes }) => fixes)]);
  const x = (lon: number) => PAD + ((lon - b.minLon) / b.dLon) * (W - 2 * PAD);
  const y = (lat: number) => H - PAD - ((lat - b.minLat) / b.dLat) * (H - 2 * PAD);
  const line = (fixes: Pick<Fix, "lat" | "lon">[]) =>
    fixes.map((f) => `${x(f.lon).toFixed(1)},${y(f.lat).toFixed(1)}`).join(" ");
  // The most important get their labels placed first.
  const ordered = [...points].sort(
    (p, q) =>
      Number(q.id === selected) - Number(p.id === selected) ||
      URGENCY[p.status] - URGENCY[q.status] ||
      p.name.localeCompare(q.name),
  );
  const labelled: LabelPoint[] = ordered.map((a) => ({ id: a.id, x: x(a.lon), y: y(a.lat), text: a.callsign ?? a.name }));
  const placements = placeLabels(labelled, W, H);
  const hidden = [...placements.values()].filter((p) => p === null).length;
  return (
    <figure className="map" ref={setFigure}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="group"
        aria-label={`Map of ${points.length} positioned assets`}
        data-testid="asset-map"
      >
        <rect x={0} y={0} width={W} height={H} className="map-bg" />
        {[0.25, 0.5, 0.75].map((f) => (
          <g key={f} className="map-grid">
            <line x1={PAD + f * (W - 2 * PAD)} x2={PAD + f * (W - 2 * PAD)} y1={PAD} y2={H - PAD} />
            <line y1={PAD + f * (H - 2 * PAD)} y2={PAD + f * (H - 2 * PAD)} x1={PAD} x2={W - PAD} />
          </g>
        ))}
        {others.map(({ asset, fixes }) => (
          <polyline
            key={asset.id}
            className={`map-trail status-${asset.status}${asset.id === selected ? " selected" : ""}`}
            points={line(fixes)}
            data-testid="asset-trail"
            data-asset={asset.id}
            aria-hidden="true"
          />
        ))}
        {chosen && trail.length > 0 && (
          <polyline
            className={`map-track status-${chosen.status}`}
            points={line(trail)}
            data-testid="asset-track"
            role="img"
            aria-label={`Track of ${chosen.name}: ${trail.length} fixes`}
          />
        )}
        {points.map((a) => {
          const point = labelled.find((p) => p.id === a.id)!;
          const label = placements.get(a.id) ?? fallbackPlacement(point, W);
          return (
            <g
              key={a.id}
              className={`map-point status-${a.status}${a.id === selected ? " selected" : ""}`}
              transform={`translate(${point.x},${point.y})`}
              onClick={() => onSelect?.(a.id)}
              onKeyDown={(event: KeyboardEvent) => {
                if (event.key !== "Enter" && event.key !== " ") return;
                event.preventDefault();
                onSelect?.(a.id);
              }}
              role={onSelect ? "button" : undefined}
              tabIndex={onSelect ? 0 : undefined}
              aria-label={`${a.name} (${a.status})`}
              aria-pressed={onSelect ? a.id === selected : undefined}
            >
              <circle r={a.id === selected ? 9 : 6} />
              <text
                className={placements.get(a.id) ? "map-label" : "map-label hidden"}
                x={label.x - point.x}
                y={label.y - point.y}
                textAnchor={label.anchor}
              >
                {point.text}
              </text>
              <title>{`${a.name} (${a.status}) ${a.lat.toFixed(4)}, ${a.lon.toFixed(4)}`}</title>
            </g>
          );
        })}
        <text x={PAD} y={H - 8} className="map-axis">
          {`${b.minLat.toFixed(2)}°, ${b.minLon.toFixed(2)}°`}
        </text>
        <text x={W - PAD} y={16} className="map-axis" textAnchor="end">
          {`${(b.minLat + b.dLat).toFixed(2)}°, ${(b.minLon + b.dLon).toFixed(2)}°`}
        </text>
      </svg>
      <figcaption className="muted">
        <Legend />
        {points.length} of {assets.length} assets positioned
        {trails && ` · ${others.length} ${others.length === 1 ? "trail" : "trails"}`}
        {hidden > 0 && ` · ${hidden} ${hidden === 1 ? "name" : "names"} hidden where they would overlap: hover or focus a point`}
      </figcaption>
    </figure>
  );
}
