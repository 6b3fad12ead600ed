// Intelligence: reports in the API's order (newest observed first) by severity and text
// search, each saying where it comes from; a report's indicators, and the other reports that
// share any of them, each once (how the analyzer correlates them); operators file reports
// (the filed one is selected, as every page selects what it creates); admins delete them.
import { useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap, type Intel, type Schemas } from "../api/client";
import { Can } from "../auth";
import { DeleteButton } from "../components/DeleteButton";
import { SaveProblems, useEditor } from "../components/editor";
import { SearchBox } from "../components/SearchBox";
import { Ago, Badge, Field, LoadMore, QueryState, Select, SEVERITIES, ToggleButton } from "../components/ui";
import { listQuery, toSearch, useFilters } from "../components/useFilters";
import { byId, useAllAssets } from "../lookups";
import { keys, useCursorList } from "../queries";

type Severity = Schemas["Severity"];

/** The reports sharing any of this one's indicators, each once, with what it shares. */
function Related({ report }: { report: Intel }) {
  const values = [...new Set(report.indicators.map((i) => i.value))];
  const answers = useQueries({
    queries: values.map((value) => ({
      queryKey: keys.list("intel", { indicator: value }),
      queryFn: () => unwrap(api.GET("/api/v1/intel", { params: { query: { indicator: value, limit: 20 } } })),
    })),
  });
  const related = new Map<number, { other: Intel; shared: string[] }>();
  answers.forEach((answer, n) => {
    for (const other of answer.data?.items ?? []) {
      if (other.id === report.id) continue;
      const entry = related.get(other.id) ?? { other, shared: [] };
      entry.shared.push(values[n]);
      related.set(other.id, entry);
    }
  });
  if (related.size === 0) return null;
  return (
    <section aria-labelledby="related-title">
      <h3 id="related-title">Related reports</h3>
      <ul className="plain related" aria-label="Related reports">
        {[...related.values()].map(({ other, shared }) => (
          <li key={other.id}>
            <Badge value={other.severity} /> <Link to={`/intel/${other.id}`}>{other.title}</Link>{" "}
            <span className="muted">shares {shared.join(", ")}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The indicators by kind, each value once. */
function Indicators({ report }: { report: Intel }) {
  const byKind = new Map<string, Set<string>>();
  for (const { kind, value } of report.indicators) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(value));
  if (byKind.size === 0) return <p className="muted">None extracted.</p>;
  return (
    <dl className="indicators">
      {[...byKind].map(([kind, found]) => (
        <div key={kind}>
          <dt>{kind}</dt>
          <dd>
            {[...found].map((value) => (
              <code key={value}>{value}</code>
            ))}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Where a report comes from: the asset it is about (a Wazuh agent is one) or its host. */
function hostOf(report: Intel, assets: Map<number, string>): string | undefined {
  if (report.asset_id != null && assets.has(report.asset_id)) return assets.get(report.asset_id);
  return report.indicators.find((i) => i.kind === "host")?.value;
}

function Report({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const report = useQuery({
    queryKey: keys.detail("intel", id),
    queryFn: () => unwrap(api.GET("/api/v1/intel/{ref}", { params: { path: { ref: id } } })),
  });
  const assets = byId(useAllAssets().items, (a) => a.name);
  const r = report.data;
  const host = r && hostOf(r, assets);
  return (
    <QueryState isPending={report.isPending} error={report.error}>
      {r && (
        <article className="panel" aria-labelledby="report-title">
          <div className="heading">
            <h2 id="report-title">{r.title}</h2>
            <DeleteButton resource="intel" id={r.id} label={`intel '${r.title}'`} onDeleted={onDeleted} />
          </div>
          <p>
            <Badge value={r.severity} /> #{r.id} · {r.source}
            {r.source_ref && <code> {r.source_ref}</code>}
            {host && <> · {host}</>} · confidence {r.confidence} · TLP {r.tlp} · observed <Ago at={r.observed_at} /> ·
            seen {r.occurrences}×
          </p>
          <p className="prose">{r.body || "No details."}</p>
          <h3>Indicators</h3>
          <Indicators report={r} />
          <Related report={r} />
        </article>
      )}
    </QueryState>
  );
}

function NewReport({ onDone }: { onDone: (saved: Intel) => void }) {
  const editor = useEditor({
    resource: "intel",
    toDraft: (): { title: string; body: string; severity: Severity } => ({
      title: "",
      body: "",
      severity: "medium",
    }),
    save: (draft) => unwrap(api.POST("/api/v1/intel", { body: draft })),
    onSaved: onDone,
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
  const navigate = useNavigate();
  const [filing, setFiling] = useState(false);
  const { values, set } = useFilters(["min_severity", "q"] as const);
  const query = listQuery(values);
  const list = useCursorList(keys.list("intel", query), (cursor) =>
    unwrap(api.GET("/api/v1/intel", { params: { query: { ...query, cursor } } })),
  );
  const search = toSearch(values);
  const assets = byId(useAllAssets().items, (a) => a.name);
  return (
    <>
      <div className="heading">
        <h1>Intelligence</h1>
        <Can role="operator">
          <ToggleButton open={filing} onToggle={() => setFiling((f) => !f)} label="New report" />
        </Can>
      </div>
      {filing && (
        <NewReport
          onDone={(r) => {
            setFiling(false);
            navigate(`/intel/${r.id}?${search}`);
          }}
        />
      )}
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
                  <Badge value={r.severity} /> <Link to={`/intel/${r.id}?${search}`}>{r.title}</Link>
                  <div className="muted small">
                    #{r.id} · {r.source}
                    {hostOf(r, assets) && <> · {hostOf(r, assets)}</>} · <Ago at={r.observed_at} />
                  </div>
                </li>
              ))}
            </ul>
            {list.items.length === 0 && <p className="muted">No report matches.</p>}
            <LoadMore {...list} />
          </div>
        </QueryState>
        {id ? <Report key={id} id={id} onDeleted={() => navigate(`/intel?${search}`)} /> : <p className="muted">Choose a report to see its indicators.</p>}
      </div>
    </>
  );
}
