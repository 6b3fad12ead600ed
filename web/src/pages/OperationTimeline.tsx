// An operation's timeline: its journal entries and the events that concern it, newest first,
// live (an entry filed anywhere arrives by the event stream), with a box to log an entry.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError, api, unwrap, type Schemas } from "../api/client";
import { JOURNAL_KINDS, type Entity, type JournalKind } from "../api/enums";
import { Can } from "../auth";
import { DraftError } from "../components/editor";
import { ErrorNote, Field, LoadMore, QueryState, Select } from "../components/ui";
import { keys, useCursorList, type PageOf } from "../queries";
import { TIME_FORMS, parsePast, utc } from "../when";

type Item = Schemas["TimelineItem"];

/** The SPA's page for the row an item is about, where it has one. */
const PAGES: Partial<Record<Entity, string>> = {
  operation: "operations",
  mission: "missions",
  asset: "assets",
  intel: "intel",
  correlation: "correlations",
};

function EntryBox({ operationId }: { operationId: number }) {
  const client = useQueryClient();
  const [kind, setKind] = useState<JournalKind>("note");
  const [at, setAt] = useState("");
  const [text, setText] = useState("");
  const file = useMutation({
    mutationFn: () => {
      let occurred_at: string | undefined;
      try {
        occurred_at = parsePast(at);
      } catch (error) {
        throw new DraftError("occurred_at", (error as Error).message);
      }
      const body = { text, kind, occurred_at, operation_id: operationId };
      return unwrap(api.POST("/api/v1/journal", { body }));
    },
    onSuccess: () => {
      setText("");
      setAt("");
      void client.invalidateQueries({ queryKey: keys.timeline(operationId) });
    },
  });
  const error = file.error;
  const errorFor = (field: string) =>
    error instanceof ApiError ? error.fieldError(field) : error instanceof DraftError && error.field === field ? error.message : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    file.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="panel" aria-label="Log an entry">
      <div className="row">
        <Select label="Kind" value={kind} options={JOURNAL_KINDS} onChange={(v) => v && setKind(v)} error={errorFor("kind")} />
        <Field label="When (blank: now)" error={errorFor("occurred_at")}>
          <input value={at} onChange={(e) => setAt(e.target.value)} placeholder="14:32Z or -10m" title={TIME_FORMS} />
        </Field>
      </div>
      <Field label="What happened (Markdown)" error={errorFor("text")}>
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={2} required />
      </Field>
      <button type="submit" disabled={file.isPending || !text.trim()}>
        Log entry
      </button>
      {error instanceof ApiError && error.errors.length === 0 && <ErrorNote error={error} />}
    </form>
  );
}

function TimelineLine({ item }: { item: Item }) {
  const page = PAGES[item.entity as Entity];
  const about = page && item.entity_id != null ? `/${page}/${item.entity_id}` : undefined;
  return (
    <li className={`timeline-${item.type}`}>
      <time dateTime={item.at}>{utc(item.at)}</time> <code>{item.kind}</code> <span className="muted">{item.actor}</span>{" "}
      {item.type === "entry" ? (
        <span className="prose">{item.text}</span>
      ) : about ? (
        <Link to={about}>{item.summary}</Link>
      ) : (
        item.summary
      )}
    </li>
  );
}

export function OperationTimeline({ operationId }: { operationId: number }) {
  const query = { order: "desc" as const, limit: 50 };
  // The route also answers Markdown and CSV (the after-action export); asked for JSON, a page.
  const timeline = useCursorList([...keys.timeline(operationId), query], async (cursor) =>
    (await unwrap(
      api.GET("/api/v1/operations/{ref}/timeline", {
        params: { path: { ref: String(operationId) }, query: { ...query, cursor } },
        headers: { Accept: "application/json" },
      }),
    )) as PageOf<Item>,
  );
  return (
    <>
      <Can role="operator">
        <EntryBox operationId={operationId} />
      </Can>
      <QueryState isPending={timeline.isPending} error={timeline.error}>
        <ol className="plain timeline" aria-label="Timeline" aria-live="polite">
          {timeline.items.map((item) => (
            <TimelineLine key={`${item.type}-${item.id}`} item={item} />
          ))}
        </ol>
        {timeline.items.length === 0 && <p className="muted">Nothing logged yet.</p>}
        <LoadMore {...timeline} />
      </QueryState>
    </>
  );
}
