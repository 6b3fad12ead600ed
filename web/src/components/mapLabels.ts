// Where each asset's name goes on the map so that no two names overlap, nor a name a point:
// each label tries the four sides of its point in turn, the most important assets first;
// one that fits nowhere is hidden and shows when its point is hovered or focused.

export type LabelPoint = { id: number; x: number; y: number; text: string };
export type Box = { x1: number; y1: number; x2: number; y2: number };
export type Placement = { x: number; y: number; anchor: "start" | "middle" | "end"; box: Box };

/** The map's label font (11px): a generous average glyph width, so estimates err wide. */
const CHAR_WIDTH = 6.6;
const LABEL_HEIGHT = 13;
const GAP = 10; // from the point's centre to its label
const POINT_RADIUS = 9; // the selected point's, so a selection never covers a label

function overlaps(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/** The label's position on each side of the point: right, left, above, below. */
function candidates(p: LabelPoint): Placement[] {
  const w = p.text.length * CHAR_WIDTH;
  const h = LABEL_HEIGHT;
  const sides: [number, number, Placement["anchor"], number][] = [
    [p.x + GAP, p.y + 4, "start", p.x + GAP],
    [p.x - GAP, p.y + 4, "end", p.x - GAP - w],
    [p.x, p.y - GAP - 2, "middle", p.x - w / 2],
    [p.x, p.y + GAP + h - 2, "middle", p.x - w / 2],
  ];
  return sides.map(([x, y, anchor, left]) => ({ x, y, anchor, box: { x1: left, y1: y - h + 3, x2: left + w, y2: y + 3 } }));
}

/**
 * A placement for each point in ``ordered`` (most important first), or null where its label
 * would overlap another label or point, or leave the ``width`` × ``height`` frame.
 */
export function placeLabels(ordered: LabelPoint[], width: number, height: number): Map<number, Placement | null> {
  const dots: Box[] = ordered.map((p) => ({
    x1: p.x - POINT_RADIUS,
    y1: p.y - POINT_RADIUS,
    x2: p.x + POINT_RADIUS,
    y2: p.y + POINT_RADIUS,
  }));
  const taken: Box[] = [];
  const placed = new Map<number, Placement | null>();
  for (const point of ordered) {
    const fits = candidates(point).find(
      ({ box }) =>
        box.x1 >= 0 &&
        box.y1 >= 0 &&
        box.x2 <= width &&
        box.y2 <= height &&
        !taken.some((other) => overlaps(box, other)) &&
        !dots.some((dot) => overlaps(box, dot)),
    );
    if (fits) taken.push(fits.box);
    placed.set(point.id, fits ?? null);
  }
  return placed;
}

/** Where a hidden label shows on hover: beside its point, on the side with room. */
export function fallbackPlacement(point: LabelPoint, width: number): Placement {
  const [right, left] = candidates(point);
  return right.box.x2 <= width ? right : left;
}
