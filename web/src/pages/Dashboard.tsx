// Counts by status, intel per hour, the latest events and agent health, from one call; and
// the watch: what needs a human now (reports to acknowledge first).
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { HourBars } from "../components/HourBars";
import { WatchPanel } from "../components/WatchPanel";
import { Ago, Badge, QueryState } from "../components/ui";
import { keys } from "../queries";

function Counts({
  title,
  to,
  counts,
  children,
}: {
  title: string;
  to: string;
  counts: Record<string, number>;
  children?: ReactNode;
}) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <section className="card" aria-labelledby={`count-${title}`}>
      <h2 id={`count-${title}`}>
        <Link to={to}>{title}</Link> <span className="total">{total}</span>
      </h2>
      <dl className="counts">
        {Object.entries(counts).map(([status, n]) => (
          <div key={status}>
            <dt>
              <Badge value={status} />
            </dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
      {children}
    </section>
  );
}

export default function Dashboard() {
  const dashboard = useQuery({
    queryKey: keys.dashboard,
    queryFn: () => unwrap(api.GET("/api/v1/dashboard")),
  });
  const d = dashboard.data;
  return (
    <>
      <h1>Dashboard</h1>
      <QueryState isPending={dashboard.isPending} error={dashboard.error}>
        {d && (
          <div className="grid">
            <WatchPanel />
            <Counts title="Operations" to="/operations" counts={d.operations} />
            <Counts title="Missions" to="/missions" counts={d.missions}>
              <p className={d.overdue_missions ? "overdue" : "muted"}>
                <Link to="/missions?overdue=true">{d.overdue_missions} overdue</Link>
              </p>
            </Counts>
            <Counts title="Assets" to="/assets" counts={d.assets} />
            <section className="card" aria-labelledby="intel-hours">
              <h2 id="intel-hours">
                <Link to="/intel">Intelligence</Link>{" "}
                <span className="total">{d.intel_per_hour.reduce((a, b) => a + b, 0)}</span>
              </h2>
              <HourBars counts={d.intel_per_hour} label="Reports per hour" />
              <p className="muted">
                {Object.entries(d.intel_by_severity)
                  .map(([s, n]) => `${n} ${s}`)
                  .join(", ")}
              </p>
            </section>
            <section className="card wide" aria-labelledby="events">
              <h2 id="events">Latest events</h2>
              <ol className="feed" aria-live="polite">
                {d.recent_events.map((e) => (
                  <li key={e.id}>
                    <Ago at={e.ts} /> <code>{e.kind}</code> {e.entity} #{e.entity_id} by {e.actor}
                  </li>
                ))}
              </ol>
            </section>
            <section className="card" aria-labelledby="agents">
              <h2 id="agents">
                <Link to="/agents">Agents</Link>
              </h2>
              <ul className="plain">
                {d.agents.map((a) => (
                  <li key={a.name}>
                    <strong>{a.name}</strong>{" "}
                    {a.enabled ? <Badge value={a.last_status ?? "pending"} /> : <Badge value="disabled" />}{" "}
                    last run <Ago at={a.last_run_at} />
                  </li>
                ))}
              </ul>
            </section>
          </div>
        )}
      </QueryState>
    </>
  );
}
