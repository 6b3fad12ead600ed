// One operation: its fields, an edit form for operators, and on tabs its missions and its
// timeline (the journal and the events, with a box to log an entry).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { DeleteButton } from "../components/DeleteButton";
import { Ago, Badge, LoadMore, QueryState, ToggleButton, count } from "../components/ui";
import { keys, useCursorList } from "../queries";
import { MissionForm } from "./MissionForm";
import { OperationForm } from "./OperationForm";
import { OperationTimeline } from "./OperationTimeline";

const TABS = { missions: "Missions", timeline: "Timeline" } as const;
type Tab = keyof typeof TABS;

/** The tabs; the chosen one is in the URL (`?tab=timeline`), so a link can open it. */
function Tabs({ tab, onChoose }: { tab: Tab; onChoose: (tab: Tab) => void }) {
  return (
    <div role="tablist" aria-label="Operation" className="tabs">
      {(Object.keys(TABS) as Tab[]).map((name) => (
        <button
          key={name}
          type="button"
          role="tab"
          id={`tab-${name}`}
          aria-selected={tab === name}
          aria-controls={`panel-${name}`}
          className={tab === name ? "tab active" : "tab"}
          onClick={() => onChoose(name)}
        >
          {TABS[name]}
        </button>
      ))}
    </div>
  );
}

const when = (at: string | null | undefined) => (at ? new Date(at).toLocaleString() : "open");

export default function OperationDetail() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get("tab") === "timeline" ? "timeline" : "missions";
  const choose = (next: Tab) => setParams(next === "missions" ? {} : { tab: next }, { replace: true });
  const operation = useQuery({
    queryKey: keys.detail("operations", id),
    queryFn: () => unwrap(api.GET("/api/v1/operations/{ref}", { params: { path: { ref: id } } })),
  });
  const op = operation.data;
  // The URL may name the operation by its code or name; its missions are listed by its id.
  const missionQuery = { operation_id: op?.id ?? 0 };
  const missions = useCursorList(
    keys.list("missions", missionQuery),
    (cursor) => unwrap(api.GET("/api/v1/missions", { params: { query: { ...missionQuery, cursor } } })),
    { enabled: op !== undefined },
  );
  return (
    <QueryState isPending={operation.isPending} error={operation.error}>
      {op && (
        <>
          <p>
            <Link to="/operations">← Operations</Link>
          </p>
          <div className="heading">
            <h1>
              {op.code} · {op.name}
            </h1>
            <div className="actions">
              <Can role="operator">
                <ToggleButton open={editing} onToggle={() => setEditing((e) => !e)} label="Edit" />
              </Can>
              <DeleteButton resource="operations" id={op.id} label={`operation ${op.code}`} onDeleted={() => navigate("/operations")} />
            </div>
          </div>
          {editing ? (
            <OperationForm operation={op} onDone={() => setEditing(false)} />
          ) : (
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <Badge value={op.status} />
              </dd>
              <dt>Priority</dt>
              <dd>
                <Badge value={op.priority} />
              </dd>
              <dt>Commander</dt>
              <dd>{op.commander ?? "—"}</dd>
              <dt>When</dt>
              <dd>
                {when(op.start_at)} – {when(op.end_at)}
              </dd>
              <dt>Updated</dt>
              <dd>
                <Ago at={op.updated_at} /> (version {op.version})
              </dd>
              <dt>Description</dt>
              <dd className="prose">{op.description || "—"}</dd>
            </dl>
          )}
          <Tabs tab={tab} onChoose={choose} />
          {tab === "timeline" ? (
            <section role="tabpanel" id="panel-timeline" aria-labelledby="tab-timeline">
              <OperationTimeline operationId={op.id} />
            </section>
          ) : (
            <section role="tabpanel" id="panel-missions" aria-labelledby="tab-missions">
              <div className="heading">
                <h2>Missions</h2>
                <Can role="operator">
                  <ToggleButton open={adding} onToggle={() => setAdding((a) => !a)} label="New mission" />
                </Can>
              </div>
              {adding && <MissionForm operationId={op.id} onDone={() => setAdding(false)} />}
              <QueryState isPending={missions.isPending} error={missions.error}>
                <ul className="plain">
                  {missions.items.map((m) => (
                    <li key={m.id}>
                      <Link to={`/missions/${m.id}`}>{m.name}</Link> <Badge value={m.status} />{" "}
                      <Badge value={m.priority} /> {count(m.asset_ids.length, "asset")}
                    </li>
                  ))}
                </ul>
                {missions.items.length === 0 && <p className="muted">No missions yet.</p>}
                <LoadMore {...missions} />
              </QueryState>
            </section>
          )}
        </>
      )}
    </QueryState>
  );
}
