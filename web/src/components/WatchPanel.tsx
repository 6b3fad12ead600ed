// The watch on the Dashboard: what needs a human now. The late missions, failed tasks and
// unreachable assets, counted with links; then the unacknowledged reports at or above high
// severity, worst first, one line each with its acknowledgement deadline and an Ack button,
// in a box of its own height (a busy night's 200 reports must not push the rest of the
// Dashboard off the page), and a link to all of them on the Intelligence page.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { keys } from "../queries";
import { AckButton } from "./AckButton";
import { Ago, Badge, QueryState, count } from "./ui";

type WatchIntel = Schemas["WatchIntel"];

function Deadline({ report }: { report: WatchIntel }) {
  if (!report.deadline) return <span />; // keeps the row's columns
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
            <p className="muted">
              <Link to="/missions?overdue=true">{count(w.overdue_missions.length, "late mission")}</Link> ·{" "}
              {count(w.failed_tasks.length, "failed task")} ·{" "}
              <Link to="/assets?status=unreachable">
                {count(w.unreachable_assets.length, "unreachable asset")}
              </Link>
            </p>
            <ul className="plain watch" aria-label="Unacknowledged reports">
              {w.unacknowledged.map((r) => (
                <li key={r.id}>
                  <Badge value={r.severity} />
                  <Link className="watch-title" to={`/intel/${r.id}`} title={r.title}>
                    {r.title}
                  </Link>
                  <Deadline report={r} />
                  <AckButton reportId={r.id} title={r.title} />
                </li>
              ))}
            </ul>
            {w.unacknowledged.length === 0 ? (
              <p className="muted">Nothing unacknowledged.</p>
            ) : (
              <p>
                <Link to="/intel?acknowledged=false">
                  All {count(w.unacknowledged_total, "unacknowledged report")}
                </Link>
              </p>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
