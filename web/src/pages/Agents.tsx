// Agents: schedule, health and recent runs; operators trigger a run now and change an
// agent's schedule, whether it runs at all, and its configuration.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Agent } from "../api/client";
import { Can } from "../auth";
import { numberOrNull, parseObject, SaveProblems, useEditor } from "../components/editor";
import { Ago, Badge, ErrorNote, Field, LoadMore, QueryState, ToggleButton } from "../components/ui";
import { keys, useCursorList } from "../queries";

function Runs({ agent }: { agent: string }) {
  const runs = useCursorList(keys.runs(agent), (cursor) =>
    unwrap(api.GET("/api/v1/agents/{ref}/runs", { params: { path: { ref: agent }, query: { cursor } } })),
  );
  return (
    <QueryState isPending={runs.isPending} error={runs.error}>
      <table>
        <caption>Runs</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Summary</th>
            <th scope="col">Worker</th>
          </tr>
        </thead>
        <tbody>
          {runs.items.map((run) => (
            <tr key={run.id}>
              <td>
                <Ago at={run.started_at} />
              </td>
              <td>
                <Badge value={run.status} />
              </td>
              <td>{run.summary}</td>
              <td>{run.worker ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.items.length === 0 && <p className="muted">No runs yet.</p>}
      <LoadMore {...runs} />
    </QueryState>
  );
}

type Draft = { interval_seconds: string; enabled: boolean; config: string };

export function AgentForm({ agent, onDone }: { agent: Agent; onDone: (saved: Agent) => void }) {
  const editor = useEditor({
    resource: "agents",
    current: agent,
    toDraft: (a): Draft => ({
      interval_seconds: String(a?.interval_seconds ?? ""),
      enabled: a?.enabled ?? true,
      config: JSON.stringify(a?.config ?? {}, null, 2),
    }),
    save: (draft, ifMatch) =>
      unwrap(
        api.PATCH("/api/v1/agents/{ref}", {
          params: { path: { ref: String(agent.id) }, header: { "if-match": ifMatch } },
          body: {
            interval_seconds: numberOrNull(draft.interval_seconds),
            enabled: draft.enabled,
            config: parseObject("config", draft.config),
          },
        }),
      ),
    onSaved: onDone,
  });
  const { draft, set, errorFor } = editor;
  return (
    <form onSubmit={editor.submit} noValidate className="panel" aria-label={`Settings of ${agent.name}`}>
      <div className="row">
        <Field label="Run every (seconds)" error={errorFor("interval_seconds")}>
          <input
            type="number"
            inputMode="numeric"
            value={draft.interval_seconds}
            onChange={(e) => set("interval_seconds", e.target.value)}
          />
        </Field>
        <label className="check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set("enabled", e.target.checked)} />
          Enabled
        </label>
      </div>
      <Field label="Configuration (JSON object)" error={errorFor("config")}>
        <textarea className="code" value={draft.config} onChange={(e) => set("config", e.target.value)} rows={6} />
      </Field>
      <button type="submit" disabled={editor.saving}>
        Save settings
      </button>
      <SaveProblems editor={editor} what="agent" />
    </form>
  );
}

function AgentDetail({ id }: { id: string }) {
  const [editing, setEditing] = useState(false);
  const agent = useQuery({
    queryKey: keys.detail("agents", id),
    queryFn: () => unwrap(api.GET("/api/v1/agents/{ref}", { params: { path: { ref: id } } })),
  });
  const a = agent.data;
  return (
    <QueryState isPending={agent.isPending} error={agent.error}>
      {a && (
        <section className="panel" aria-labelledby="agent-title">
          <div className="heading">
            <h2 id="agent-title">{a.name}</h2>
            <Can role="operator">
              <ToggleButton open={editing} onToggle={() => setEditing((e) => !e)} label="Edit settings" />
            </Can>
          </div>
          {editing ? (
            <AgentForm agent={a} onDone={() => setEditing(false)} />
          ) : (
            <dl className="facts">
              <dt>Kind</dt>
              <dd>{a.kind}</dd>
              <dt>Schedule</dt>
              <dd>
                {a.enabled ? "enabled" : "disabled"}, every {a.interval_seconds} s
              </dd>
              <dt>Configuration</dt>
              <dd>
                <code className="prose">{JSON.stringify(a.config)}</code>
              </dd>
              <dt>Lease</dt>
              <dd>{a.lease_owner ? `held by ${a.lease_owner}` : "free"}</dd>
              <dt>Updated</dt>
              <dd>
                <Ago at={a.updated_at} /> (version {a.version})
              </dd>
            </dl>
          )}
          <Runs agent={id} />
        </section>
      )}
    </QueryState>
  );
}

function nextRun(at: string | null | undefined): string {
  if (!at) return "—";
  return Date.parse(at) <= Date.now() ? "due now" : new Date(at).toLocaleTimeString();
}

function every(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

export default function Agents() {
  const { id } = useParams();
  const client = useQueryClient();
  const agents = useQuery({
    queryKey: keys.list("agents"),
    queryFn: () => unwrap(api.GET("/api/v1/agents")),
  });
  const trigger = useMutation({
    mutationFn: (ref: number) =>
      unwrap(api.POST("/api/v1/agents/{ref}/trigger", { params: { path: { ref: String(ref) } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["agents", "list"] }),
  });
  return (
    <>
      <h1>Agents</h1>
      <ErrorNote error={trigger.error} />
      <QueryState isPending={agents.isPending} error={agents.error}>
        <table>
          <caption className="sr-only">Agents</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Enabled</th>
              <th scope="col">Every</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.data?.items.map((a) => (
              <tr key={a.id} aria-selected={String(a.id) === id}>
                <td>
                  <Link to={`/agents/${a.id}`}>{a.name}</Link>
                </td>
                <td>{a.kind}</td>
                <td>{a.enabled ? "yes" : "no"}</td>
                <td>{every(a.interval_seconds)}</td>
                <td>
                  <Ago at={a.last_run_at} />
                </td>
                <td>{nextRun(a.next_run_at)}</td>
                <td>
                  <Can role="operator">
                    <button type="button" onClick={() => trigger.mutate(a.id)} disabled={trigger.isPending}>
                      Trigger<span className="sr-only"> {a.name}</span>
                    </button>
                  </Can>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryState>
      {id && <AgentDetail key={id} id={id} />}
    </>
  );
}
