// Intelligence: reports by severity and text search; a report's indicators, and the other
// reports that share each indicator (how the analyzer correlates them).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { Can } from "../auth";
import { SaveProblems, useEditor } from "../components/editor";
import { SearchBox } from "../components/SearchBox";
import { Ago, Badge, Field, LoadMore, QueryState, Select, SEVERITIES, ToggleButton } from "../components/ui";
import { listQuery, toSearch, useFilters } from "../components/useFilters";
import { keys, useCursorList } from "../queries";

type Severity = Schemas["Severity"];

function Related({ reportId, value }: { reportId: number; value: string }) {
  const related = useQuery({
    queryKey: keys.list("intel", { indicator: value }),
    queryFn: () => unwrap(api.GET("/api/v1/intel", { params: { query: { indicator: value, limit: 20 } } })),
  });
  const others = related.data?.items.filter((r) => r.id !== reportId) ?? [];
  if (others.length === 0) return null;
  return (
    <ul className="plain related">
      {others.map((r) => (
        <li key={r.id}>
          <Link to={`/intel/${r.id}`}>{r.title}</Link> <Badge value={r.severity} />
        </li>
      ))}
    </ul>
  );
}

function Report({ id }: { id: string }) {
  const report = useQuery({
    queryKey: keys.detail("intel", id),
    queryFn: () => unwrap(api.GET("/api/v1/intel/{ref}", { params: { path: { ref: id } } })),
  });
  const r = report.data;
  return (
    <QueryState isPending={report.isPending} error={report.error}>
      {r && (
        <article className="panel" aria-labelledby="report-title">
          <h2 id="report-title">{r.title}</h2>
          <p>
            <Badge value={r.severity} /> {r.source} · confidence {r.confidence} · TLP {r.tlp} · observed{" "}
            <Ago at={r.observed_at} /> · seen {r.occurrences}×
          </p>
          <p className="prose">{r.body || "No details."}</p>
          <h3>Indicators</h3>
          {r.indicators.length === 0 && <p className="muted">None extracted.</p>}
          <dl className="indicators">
            {r.indicators.map((ind) => (
              <div key={`${ind.kind}:${ind.value}`}>
                <dt>{ind.kind}</dt>
                <dd>
                  <code>{ind.value}</code>
                  <Related reportId={r.id} value={ind.value} />
                </dd>
              </div>
            ))}
          </dl>
        </article>
      )}
    </QueryState>
  );
}

function NewReport() {
  const editor = useEditor({
    resource: "intel",
    toDraft: (): { title: string; body: string; severity: Severity } => ({
      title: "",
      body: "",
      severity: "medium",
    }),
    save: (draft) => unwrap(api.POST("/api/v1/intel", { body: draft })),
  });
  const { draft, set, errorFor } = editor;
  return (
    <form onSubmit={editor.submit} noValidate className="panel" aria-label="New report">
      <div className="row">
        <Field label="Title" error={errorFor("title")}>
          <input value={draft.title} onChange={(e) => set("title", e.target.value)} required />
        </Field>
        <Select label="Severity" value={draft.severity} options={SEVERITIES} onChange={(v) => v && set("severity", v)} error={errorFor("severity")} />
      </div>
      <Field label="Details (indicators such as IPs, domains and CVEs are extracted)" error={errorFor("body")}>
        <textarea value={draft.body} onChange={(e) => set("body", e.target.value)} rows={3} />
      </Field>
      <button type="submit" disabled={editor.saving}>
        File report
      </button>
      <SaveProblems editor={editor} what="report" />
    </form>
  );
}

export default function Intelligence() {
  const { id } = useParams();
  const [filing, setFiling] = useState(false);
  const { values, set } = useFilters(["min_severity", "q"] as const);
  const query = listQuery(values);
  const list = useCursorList(keys.list("intel", query), (cursor) =>
    unwrap(api.GET("/api/v1/intel", { params: { query: { ...query, cursor } } })),
  );
  const search = toSearch(values);
  return (
    <>
      <div className="heading">
        <h1>Intelligence</h1>
        <Can role="operator">
          <ToggleButton open={filing} onToggle={() => setFiling((f) => !f)} label="New report" />
        </Can>
      </div>
      {filing && <NewReport />}
      <div className="filters" role="search">
        <Select label="Minimum severity" value={values.min_severity as Severity | ""} options={SEVERITIES} onChange={(v) => set("min_severity", v)} allowEmpty="any" />
        <SearchBox value={values.q} onChange={(v) => set("q", v)} />
      </div>
      <div className="split">
        <QueryState isPending={list.isPending} error={list.error}>
          <div>
            <ul className="list" aria-label="Reports">
              {list.items.map((r) => (
                <li key={r.id} aria-current={String(r.id) === id ? "true" : undefined}>
                  <Badge value={r.severity} /> <Link to={`/intel/${r.id}?${search}`}>{r.title}</Link>{" "}
                  <Ago at={r.observed_at} />
                </li>
              ))}
            </ul>
            {list.items.length === 0 && <p className="muted">No report matches.</p>}
            <LoadMore {...list} />
          </div>
        </QueryState>
        {id ? <Report id={id} /> : <p className="muted">Choose a report to see its indicators.</p>}
      </div>
    </>
  );
}
