// Missions: a filtered list beside the selected mission, where operators edit it and
// assign assets; operators also create missions here (choosing the operation).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap, type Asset, type Mission } from "../api/client";
import { Can } from "../auth";
import { DeleteButton } from "../components/DeleteButton";
import { OperationLink } from "../components/OperationLink";
import { Ago, Badge, ErrorNote, Field, LoadMore, MISSION_STATUSES, QueryState, Select, ToggleButton, count } from "../components/ui";
import { listQuery, toSearch, useFilters } from "../components/useFilters";
import { keys, useCursorList } from "../queries";
import { byId, useAllAssets, useAllOperations } from "../lookups";
import { MissionForm } from "./MissionForm";

function AssignAssets({ mission }: { mission: Mission }) {
  const client = useQueryClient();
  const assets = useAllAssets();
  const [choice, setChoice] = useState("");
  const byId = new Map<number, Asset>(assets.items.map((a) => [a.id, a]));
  const change = useMutation({
    mutationFn: ({ assetId, assign }: { assetId: number; assign: boolean }) => {
      const params = { path: { ref: String(mission.id), asset_id: assetId } };
      return unwrap(
        assign
          ? api.PUT("/api/v1/missions/{ref}/assets/{asset_id}", { params })
          : api.DELETE("/api/v1/missions/{ref}/assets/{asset_id}", { params }),
      );
    },
    onSuccess: (saved) => {
      client.setQueryData(keys.detail("missions", saved.id), saved);
      void client.invalidateQueries({ queryKey: ["missions", "list"] });
      setChoice("");
    },
  });
  const free = assets.items.filter((a) => !mission.asset_ids.includes(a.id));
  return (
    <section aria-labelledby="assigned">
      <h3 id="assigned">Assigned assets</h3>
      <ul className="plain">
        {mission.asset_ids.map((id) => (
          <li key={id}>
            {byId.get(id)?.name ?? `asset #${id}`} {byId.get(id) && <Badge value={byId.get(id)!.status} />}{" "}
            <Can role="operator">
              <button type="button" className="secondary" onClick={() => change.mutate({ assetId: id, assign: false })}>
                Release<span className="sr-only"> {byId.get(id)?.name}</span>
              </button>
            </Can>
          </li>
        ))}
        {mission.asset_ids.length === 0 && <li className="muted">None yet.</li>}
      </ul>
      <Can role="operator">
        <form
          className="row"
          aria-label="Assign an asset"
          onSubmit={(e) => {
            e.preventDefault();
            if (choice) change.mutate({ assetId: Number(choice), assign: true });
          }}
        >
          <Field label="Asset">
            <select value={choice} onChange={(e) => setChoice(e.target.value)} required>
              <option value="">choose…</option>
              {free.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.status})
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" disabled={!choice || change.isPending}>
            Assign
          </button>
        </form>
      </Can>
      <ErrorNote error={change.error} />
    </section>
  );
}

const FINISHED: readonly Mission["status"][] = ["completed", "failed", "cancelled"];

/** "due in 2 d", flagged when it has passed and the mission is not finished. */
function Due({ mission, now = Date.now() }: { mission: Mission; now?: number }) {
  if (!mission.due_at) return <span className="muted">no due date</span>;
  const overdue = Date.parse(mission.due_at) < now && !FINISHED.includes(mission.status);
  return (
    <>
      due <Ago at={mission.due_at} now={now} />
      {overdue && (
        <>
          {" "}
          <Badge value="overdue" />
        </>
      )}
    </>
  );
}

function MissionDetail({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const [editing, setEditing] = useState(false);
  const mission = useQuery({
    queryKey: keys.detail("missions", id),
    queryFn: () => unwrap(api.GET("/api/v1/missions/{ref}", { params: { path: { ref: id } } })),
  });
  const m = mission.data;
  return (
    <QueryState isPending={mission.isPending} error={mission.error}>
      {m && (
        <article className="panel" aria-labelledby="mission-title">
          <div className="heading">
            <h2 id="mission-title">{m.name}</h2>
            <div className="actions">
              <Can role="operator">
                <ToggleButton open={editing} onToggle={() => setEditing((e) => !e)} label="Edit" />
              </Can>
              <DeleteButton resource="missions" id={m.id} label={`mission '${m.name}'`} onDeleted={onDeleted} />
            </div>
          </div>
          {editing ? (
            <MissionForm key={m.id} mission={m} onDone={() => setEditing(false)} />
          ) : (
            <>
              <p>
                <Badge value={m.status} /> <Badge value={m.priority} />{" "}
                <OperationLink id={m.operation_id} />
                {" · due "}
                {m.due_at ? (
                  <>
                    {new Date(m.due_at).toLocaleString()} (<Ago at={m.due_at} />)
                  </>
                ) : (
                  <span className="muted">not set</span>
                )}
              </p>
              <p className="prose">{m.objective || "No objective written."}</p>
            </>
          )}
          <AssignAssets mission={m} />
        </article>
      )}
    </QueryState>
  );
}

export default function Missions() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const { values, set } = useFilters(["status", "overdue"] as const);
  const query = listQuery(values, ["status"]);
  const list = useCursorList(keys.list("missions", query), (cursor) =>
    unwrap(api.GET("/api/v1/missions", { params: { query: { ...query, cursor } } })),
  );
  const search = toSearch(values);
  const codes = byId(useAllOperations().items, (op) => op.code);
  return (
    <>
      <div className="heading">
        <h1>Missions</h1>
        <Can role="operator">
          <ToggleButton open={creating} onToggle={() => setCreating((c) => !c)} label="New mission" />
        </Can>
      </div>
      {creating && (
        <MissionForm
          onDone={(m) => {
            setCreating(false);
            navigate(`/missions/${m.id}?${search}`);
          }}
        />
      )}
      <div className="filters" role="search">
        <Select label="Status" value={values.status} options={MISSION_STATUSES} onChange={(v) => set("status", v)} allowEmpty="any" />
        <label className="check">
          <input type="checkbox" checked={values.overdue === "true"} onChange={(e) => set("overdue", e.target.checked ? "true" : "")} />
          Overdue only
        </label>
      </div>
      <div className="split">
        <QueryState isPending={list.isPending} error={list.error}>
          <div>
            <ul className="list" aria-label="Missions">
              {list.items.map((m) => (
                <li key={m.id} aria-current={String(m.id) === id ? "true" : undefined}>
                  <Link to={`/missions/${m.id}?${search}`}>{m.name}</Link> <Badge value={m.status} />{" "}
                  <Badge value={m.priority} />
                  <div className="muted small">
                    {codes.get(m.operation_id) ?? `operation #${m.operation_id}`} · <Due mission={m} /> ·{" "}
                    {count(m.asset_ids.length, "asset")}
                  </div>
                </li>
              ))}
            </ul>
            {list.items.length === 0 && <p className="muted">No mission matches.</p>}
            <LoadMore {...list} />
          </div>
        </QueryState>
        {id ? (
          <MissionDetail key={id} id={id} onDeleted={() => navigate(`/missions?${search}`)} />
        ) : (
          <p className="muted">Choose a mission to see and assign its assets.</p>
        )}
      </div>
    </>
  );
}
