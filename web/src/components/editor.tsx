// One way to create or edit a record: a draft the user changes, sent with If-Match (the
// version the form was opened with) so a concurrent change answers 412 instead of being
// overwritten; the server's 422 field errors land next to their fields.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { keys, type Resource } from "../queries";
import { ErrorNote } from "./ui";

type Versioned = { id: number; version: number };

export type Editor<D> = {
  draft: D;
  set: <K extends keyof D>(key: K, value: D[K]) => void;
  submit: (event: FormEvent) => void;
  saving: boolean;
  error: unknown;
  /** The server's (or the draft's own) complaint about one field. */
  errorFor: (field: string) => string | undefined;
  /** The save was refused because someone else changed the record first. */
  stale: boolean;
  /** The record changed (live update) since the form was opened: a save will be refused. */
  changedMeanwhile: boolean;
  /** Start over from the latest version on the server. */
  reload: () => Promise<void>;
};

/** A draft field that cannot be sent as it is (e.g. JSON that does not parse). */
export class DraftError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function useEditor<T extends Versioned, D>({
  resource,
  current,
  toDraft,
  save,
  onSaved,
}: {
  resource: Resource;
  /** The record as the page shows it now; undefined when creating. */
  current?: T;
  toDraft: (record: T | undefined) => D;
  /** Send the draft; `ifMatch` is the quoted version the edit started from. */
  save: (draft: D, ifMatch: string | undefined) => Promise<T>;
  onSaved?: (saved: T) => void;
}): Editor<D> {
  const client = useQueryClient();
  const [base, setBase] = useState(current);
  const [draft, setDraft] = useState(() => toDraft(current));
  const mutation = useMutation({
    mutationFn: () => save(draft, base ? `"${base.version}"` : undefined),
    onSuccess: (saved) => {
      client.setQueryData(keys.detail(resource, saved.id), saved);
      void client.invalidateQueries({ queryKey: [resource, "list"] });
      // An edit continues from what was saved; a create form starts empty again.
      const next = base ? saved : undefined;
      setBase(next);
      setDraft(toDraft(next));
      onSaved?.(saved);
    },
  });
  const error = mutation.error;

  async function reload() {
    let fresh = current;
    if (base) {
      const key = keys.detail(resource, base.id);
      await client.refetchQueries({ queryKey: key, exact: true });
      fresh = client.getQueryData<T>(key) ?? current;
    }
    setBase(fresh);
    setDraft(toDraft(fresh));
    mutation.reset();
  }

  return {
    draft,
    set: (key, value) => setDraft((d) => ({ ...d, [key]: value })),
    submit: (event) => {
      event.preventDefault();
      mutation.mutate();
    },
    saving: mutation.isPending,
    error,
    errorFor: (field) =>
      error instanceof ApiError
        ? error.fieldError(field)
        : error instanceof DraftError && error.field === field
          ? error.message
          : undefined,
    stale: error instanceof ApiError && error.status === 412,
    changedMeanwhile: Boolean(base && current && current.version !== base.version),
    reload,
  };
}

/** Under a form: why the save failed, and for a stale edit the way out (reload). */
export function SaveProblems({
  editor,
  what,
}: {
  editor: Pick<Editor<unknown>, "stale" | "changedMeanwhile" | "error" | "reload">;
  what: string;
}) {
  if (editor.stale || (editor.changedMeanwhile && !editor.error)) {
    return (
      <div className="stale" role="alert">
        {editor.stale
          ? `Not saved: someone else changed this ${what} after you opened it.`
          : `Someone else changed this ${what} while you were editing; saving now would be refused.`}
        <button type="button" className="secondary" onClick={() => void editor.reload()}>
          Reload latest
        </button>
        <span className="muted"> then make your change again.</span>
      </div>
    );
  }
  if (editor.error instanceof DraftError) return null;
  return <ErrorNote error={editor.error} />;
}

/** `<input type="datetime-local">` speaks local wall time; the API speaks ISO 8601 with a zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

/** A number field's text as the API wants it: empty is null. */
export function numberOrNull(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

/** A JSON object typed into a textarea; a DraftError names the field when it isn't one. */
export function parseObject(field: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new DraftError(field, "not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DraftError(field, 'expected a JSON object such as {"key": "value"}');
  }
  return value as Record<string, unknown>;
}
