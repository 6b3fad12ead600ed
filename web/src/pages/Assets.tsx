// Assets: status and last check-in in a table, and where the positioned ones are on a map.
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { AssetMap } from "../components/AssetMap";
import { Ago, ASSET_KINDS, ASSET_STATUSES, Badge, LoadMore, QueryState, Select } from "../components/ui";
import { listQuery, toSearch, useFilters } from "../components/useFilters";
import { keys, useCursorList } from "../queries";

export default function Assets() {
  const { id } = useParams();
  const navigate = useNavigate();
  const { values, set } = useFilters(["status", "kind"] as const);
  const query = listQuery(values, ["status", "kind"]);
  const list = useCursorList(keys.list("assets", query), (cursor) =>
    unwrap(api.GET("/api/v1/assets", { params: { query: { ...query, cursor, limit: 200 } } })),
  );
  const search = toSearch(values);
  return (
    <>
      <h1>Assets</h1>
      <div className="filters" role="search">
        <Select label="Status" value={values.status} options={ASSET_STATUSES} onChange={(v) => set("status", v)} allowEmpty="any" />
        <Select label="Kind" value={values.kind} options={ASSET_KINDS} onChange={(v) => set("kind", v)} allowEmpty="any" />
      </div>
      <QueryState isPending={list.isPending} error={list.error}>
        <AssetMap
          assets={list.items}
          selected={id ? Number(id) : null}
          onSelect={(assetId) => navigate(`/assets/${assetId}?${search}`)}
        />
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
        <LoadMore {...list} />
      </QueryState>
    </>
  );
}
