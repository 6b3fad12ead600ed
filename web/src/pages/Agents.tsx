// Agents: schedule, health and recent runs; operators trigger a run now.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { Ago, Badge, ErrorNote, LoadMore, QueryState } from "../components/ui";
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

function nextRun(at: string | null | undefined): string {
  if (!at) return "—";
  return Date.parse(at) <= Date.now() ? "due now" : new Date(at).toLocaleTimeString();
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
                <td>{Math.round(a.interval_seconds / 60)} min</td>
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
      {id && <Runs agent={id} />}
    </>
  );
}
