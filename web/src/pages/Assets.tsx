// Assets: status and last check-in in a table, where the positioned ones are on a map with
// every asset's trail of the last half hour (one request for all of them), the selected
// asset's track of the last day, and the selected asset's details, which operators edit;
// operators also add assets.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { AssetMap } from "../components/AssetMap";
import { DeleteButton } from "../components/DeleteButton";
import { Ago, ASSET_KINDS, ASSET_STATUSES, Badge, LoadMore, QueryState, Select, ToggleButton } from "../components/ui";
import { listQuery, toSearch, useFilters } from "../components/useFilters";
import { keys, useCursorList } from "../queries";
import { AssetForm } from "./AssetForm";

function AssetDetail({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const [editing, setEditing] = useState(false);
  const asset = useQuery({
    queryKey: keys.detail("assets", id),
    queryFn: () => unwrap(api.GET("/api/v1/assets/{ref}", { params: { path: { ref: id } } })),
  });
  const a = asset.data;
  // The URL may name the asset; its missions are listed by its id.
  const missionQuery = { asset_id: a?.id ?? 0 };
  const missions = useQuery({
    queryKey: keys.list("missions", missionQuery),
    queryFn: () => unwrap(api.GET("/api/v1/missions", { params: { query: missionQuery } })),
    enabled: a !== undefined,
  });
  return (
    <QueryState isPending={asset.isPending} error={asset.error}>
      {a && (
        <article className="panel sticky" aria-labelledby="asset-title">
          <div className="heading">
            <h2 id="asset-title">
              {a.name}
              {a.callsign && <span className="muted"> ({a.callsign})</span>}
            </h2>
            <div className="actions">
              <Can role="operator">
                <ToggleButton open={editing} onToggle={() => setEditing((e) => !e)} label="Edit" />
              </Can>
              <DeleteButton resource="assets" id={a.id} label={`asset '${a.name}'`} onDeleted={onDeleted} />
            </div>
          </div>
          {editing ? (
            <AssetForm asset={a} onDone={() => setEditing(false)} />
          ) : (
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <Badge value={a.status} /> ({a.kind})
              </dd>
              <dt>Position</dt>
              <dd>{a.lat != null && a.lon != null ? `${a.lat}, ${a.lon}` : "—"}</dd>
              <dt>Last seen</dt>
              <dd>
                <Ago at={a.last_seen_at} />
              </dd>
              <dt>Checks in</dt>
              <dd>{a.heartbeat_seconds ? `every ${a.heartbeat_seconds} s` : "not expected to"}</dd>
              <dt>Attributes</dt>
              <dd>
                {Object.keys(a.attributes).length ? <code className="prose">{JSON.stringify(a.attributes)}</code> : "—"}
              </dd>
              <dt>Updated</dt>
              <dd>
                <Ago at={a.updated_at} /> (version {a.version})
              </dd>
            </dl>
          )}
          <h3>Missions</h3>
          <ul className="plain">
            {missions.data?.items.map((m) => (
              <li key={m.id}>
                <Link to={`/missions/${m.id}`}>{m.name}</Link> <Badge value={m.status} />
              </li>
            ))}
          </ul>
          {missions.data?.items.length === 0 && <p className="muted">On no mission.</p>}
        </article>
      )}
    </QueryState>
  );
}

/** The most fixes of a track the map draws (the server thins it keeping its turns). */
const TRACK_POINTS = 500;

/** The asset's fixes of the last day, oldest first; refetched as it moves (its asset.moved
 * events make its detail keys stale, and this key is one of them). */
function useTrack(id: string | undefined) {
  return useQuery({
    queryKey: [...keys.detail("assets", id ?? ""), "track"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/assets/{ref}/track", { params: { path: { ref: id! }, query: { max_points: TRACK_POINTS } } })),
    enabled: id !== undefined,
  });
}

/** The most fixes of each asset's trail (a trail is the last 30 minutes, the server's
 * default: its clock, not this browser's). */
const TRAIL_POINTS = 100;

/** Every asset's trail, by asset id; refetched as assets move (asset.moved events make the
 * assets' lists stale, and this key is one of them). */
function useTrails(enabled: boolean) {
  return useQuery({
    queryKey: keys.list("assets", { trails: TRAIL_POINTS }),
    queryFn: () => unwrap(api.GET("/api/v1/tracks", { params: { query: { max_points: TRAIL_POINTS } } })),
    select: (found) => new Map(found.tracks.map((t) => [t.asset_id, t.fixes])),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export default function Assets() {
  const { id } = useParams();
  const track = useTrack(id);
  const [showTrails, setShowTrails] = useState(true);
  const trails = useTrails(showTrails);
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const { values, set } = useFilters(["status", "kind"] as const);
  const query = listQuery(values, ["status", "kind"]);
  const list = useCursorList(keys.list("assets", query), (cursor) =>
    unwrap(api.GET("/api/v1/assets", { params: { query: { ...query, cursor, limit: 200 } } })),
  );
  const search = toSearch(values);
  const select = (assetId: number) => navigate(`/assets/${assetId}?${search}`);
  return (
    <>
      <div className="heading">
        <h1>Assets</h1>
        <Can role="operator">
          <ToggleButton open={creating} onToggle={() => setCreating((c) => !c)} label="New asset" />
        </Can>
      </div>
      {creating && (
        <AssetForm
          onDone={(a) => {
            setCreating(false);
            select(a.id);
          }}
        />
      )}
      <div className="filters" role="search">
        <Select label="Status" value={values.status} options={ASSET_STATUSES} onChange={(v) => set("status", v)} allowEmpty="any" />
        <Select label="Kind" value={values.kind} options={ASSET_KINDS} onChange={(v) => set("kind", v)} allowEmpty="any" />
        <label className="check">
          <input type="checkbox" checked={showTrails} onChange={(e) => setShowTrails(e.target.checked)} /> Trails: last 30 min
        </label>
      </div>
      <QueryState isPending={list.isPending} error={list.error}>
        <AssetMap
          assets={list.items}
          selected={id ? Number(id) : null}
          onSelect={select}
          track={track.data && String(track.data.asset_id) === id ? track.data.fixes : []}
          trails={showTrails ? trails.data : undefined}
        />
        <div className="split table-first">
          <div>
            <table>
              <caption className="sr-only">Assets</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Position</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((a) => (
                  <tr key={a.id} aria-selected={String(a.id) === id}>
                    <td>
                      <Link to={`/assets/${a.id}?${search}`}>{a.name}</Link>
                      {a.callsign && <span className="muted"> ({a.callsign})</span>}
                    </td>
                    <td>{a.kind}</td>
                    <td>
                      <Badge value={a.status} />
                    </td>
                    <td>
                      <Ago at={a.last_seen_at} />
                    </td>
                    <td>{a.lat != null && a.lon != null ? `${a.lat.toFixed(3)}, ${a.lon.toFixed(3)}` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {list.items.length === 0 && <p className="muted">No asset matches.</p>}
            <LoadMore {...list} />
          </div>
          {id ? (
            <AssetDetail key={id} id={id} onDeleted={() => navigate(`/assets?${search}`)} />
          ) : (
            <p className="muted">Choose an asset to see its details.</p>
          )}
        </div>
      </QueryState>
    </>
  );
}
