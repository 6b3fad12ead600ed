// The watch on the Dashboard: what needs a human now. Unacknowledged reports at or above
// high severity, worst first, each with its acknowledgement deadline and an Ack button; then
// the late missions, failed tasks and unreachable assets, counted with links.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { keys } from "../queries";
import { AckButton } from "./AckButton";
import { Ago, Badge, QueryState } from "./ui";

type WatchIntel = Schemas["WatchIntel"];

function Deadline({ report }: { report: WatchIntel }) {
  if (!report.deadline) return null;
  return report.overdue ? (
    <span className="overdue">
      ack overdue since <Ago at={report.deadline} />
    </span>
  ) : (
    <span className="muted">
      ack due <Ago at={report.deadline} />
    </span>
  );
}

export function WatchPanel() {
  const watch = useQuery({ queryKey: keys.watch, queryFn: () => unwrap(api.GET("/api/v1/watch")) });
  const w = watch.data;
  return (
    <section className="card wide" aria-labelledby="watch-title">
      <h2 id="watch-title">
        Watch <span className="total">{w?.unacknowledged_total ?? ""}</span>
      </h2>
      <QueryState isPending={watch.isPending} error={watch.error}>
        {w && (
          <>
            <ul className="plain watch" aria-label="Unacknowledged reports">
              {w.unacknowledged.map((r) => (
                <li key={r.id}>
                  <Badge value={r.severity} /> <Link to={`/intel/${r.id}`}>{r.title}</Link> <Deadline report={r} />{" "}
                  <AckButton reportId={r.id} title={r.title} />
                </li>
              ))}
            </ul>
            {w.unacknowledged.length === 0 && <p className="muted">Nothing unacknowledged.</p>}
            <p className="muted">
              <Link to="/missions?overdue=true">{w.overdue_missions.length} late missions</Link> ·{" "}
              {w.failed_tasks.length} failed tasks ·{" "}
              <Link to="/assets?status=unreachable">{w.unreachable_assets.length} unreachable assets</Link>
            </p>
          </>
        )}
      </QueryState>
    </section>
  );
}
