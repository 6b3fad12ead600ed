// Correlations: the analyzer's clusters of reports that share indicators. A cluster shows the
// indicators that link it and its member reports (each opens in Intelligence); operators
// escalate it: every member's severity goes up a step and one summary report is filed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { Can } from "../auth";
import { OperationLink } from "../components/OperationLink";
import { Ago, Badge, ErrorNote, LoadMore, QueryState } from "../components/ui";
import { byId, useAllOperations } from "../lookups";
import { keys, useCursorList } from "../queries";

type Correlation = Schemas["Correlation"];

/** The first few linking indicators and how many more there are. */
function Shared({ indicators, show = 3 }: { indicators: Correlation["indicators"]; show?: number }) {
  return (
    <>
      {indicators.slice(0, show).map((i) => (
        <code key={`${i.kind}:${i.value}`} className="chip" title={i.kind}>
          {i.value}
        </code>
      ))}
      {indicators.length > show && <span className="muted"> +{indicators.length - show} more</span>}
    </>
  );
}

function Members({ cluster }: { cluster: Correlation }) {
  const query = { correlation_id: cluster.id };
  const members = useCursorList(keys.list("intel", query), (cursor) =>
    unwrap(api.GET("/api/v1/intel", { params: { query: { ...query, cursor } } })),
  );
  return (
    <section aria-labelledby="members-title">
      <h3 id="members-title">Member reports ({cluster.report_ids.length})</h3>
      <QueryState isPending={members.isPending} error={members.error}>
        <ul className="plain" aria-label="Member reports">
          {members.items.map((r) => (
            <li key={r.id}>
              <Badge value={r.severity} /> <Link to={`/intel/${r.id}`}>{r.title}</Link>{" "}
              <span className="muted small">
                #{r.id} · {r.source} · <Ago at={r.observed_at} />
              </span>
            </li>
          ))}
        </ul>
        <LoadMore {...members} />
      </QueryState>
    </section>
  );
}

function Escalate({ cluster }: { cluster: Correlation }) {
  const client = useQueryClient();
  const escalate = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/correlations/{correlation_id}/escalate", {
          params: { path: { correlation_id: cluster.id } },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["correlations"] });
      void client.invalidateQueries({ queryKey: ["intel", "list"] });
    },
  });
  if (cluster.summary_report_id != null) {
    return (
      <p>
        Escalated: <Link to={`/intel/${cluster.summary_report_id}`}>summary report #{cluster.summary_report_id}</Link>
      </p>
    );
  }
  return (
    <Can role="operator">
      <p className="row">
        <button type="button" onClick={() => escalate.mutate()} disabled={escalate.isPending}>
          Escalate
        </button>
        <span className="muted small">Raises each member's severity a step and files one summary report.</span>
      </p>
      <ErrorNote error={escalate.error} />
    </Can>
  );
}

function Cluster({ id }: { id: string }) {
  const cluster = useQuery({
    queryKey: keys.detail("correlations", id),
    queryFn: () =>
      unwrap(api.GET("/api/v1/correlations/{correlation_id}", { params: { path: { correlation_id: Number(id) } } })),
  });
  const c = cluster.data;
  return (
    <QueryState isPending={cluster.isPending} error={cluster.error}>
      {c && (
        <article className="panel" aria-labelledby="cluster-title">
          <h2 id="cluster-title">Cluster #{c.id}</h2>
          <p>
            <Badge value={c.severity} /> {c.report_ids.length} reports · score {c.score} · first seen{" "}
            <Ago at={c.first_seen_at} /> · last seen <Ago at={c.last_seen_at} />
            {c.operation_id != null && (
              <>
                {" · "}
                <OperationLink id={c.operation_id} />
              </>
            )}
          </p>
          <Escalate cluster={c} />
          <h3>Shared indicators</h3>
          <dl className="indicators">
            {c.indicators.map((i) => (
              <div key={`${i.kind}:${i.value}`}>
                <dt>{i.kind}</dt>
                <dd>
                  <code>{i.value}</code>
                </dd>
              </div>
            ))}
          </dl>
          <Members cluster={c} />
        </article>
      )}
    </QueryState>
  );
}

export default function Correlations() {
  const { id } = useParams();
  const list = useCursorList(keys.list("correlations"), (cursor) =>
    unwrap(api.GET("/api/v1/correlations", { params: { query: { cursor } } })),
  );
  const codes = byId(useAllOperations().items, (op) => op.code);
  return (
    <>
      <h1>Correlations</h1>
      <p className="muted">
        Reports that share indicators, clustered by the analyzer agent (it runs every 10 minutes, or trigger it on{" "}
        <Link to="/agents">Agents</Link>).
      </p>
      <div className="split">
        <QueryState isPending={list.isPending} error={list.error}>
          <div>
            <ul className="list" aria-label="Clusters">
              {list.items.map((c) => (
                <li key={c.id} aria-current={String(c.id) === id ? "true" : undefined}>
                  <Badge value={c.severity} /> <Link to={`/correlations/${c.id}`}>Cluster #{c.id}</Link>{" "}
                  {c.report_ids.length} reports{c.summary_report_id != null && <> · escalated</>}
                  <div className="muted small">
                    <Shared indicators={c.indicators} />
                    {c.operation_id != null && <> · {codes.get(c.operation_id) ?? `operation #${c.operation_id}`}</>} · last seen{" "}
                    <Ago at={c.last_seen_at} />
                  </div>
                </li>
              ))}
            </ul>
            {list.items.length === 0 && <p className="muted">No clusters yet.</p>}
            <LoadMore {...list} />
          </div>
        </QueryState>
        {id ? <Cluster key={id} id={id} /> : <p className="muted">Choose a cluster to see its indicators and reports.</p>}
      </div>
    </>
  );
}
