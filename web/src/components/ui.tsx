// Small building blocks every page uses: status badges, loading/error states, paging, fields.
import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from "react";
import { ApiError } from "../api/client";

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value.replace(/[^a-z_]/g, "")}`}>{value.replace("_", " ")}</span>;
}

export function QueryState({
  isPending,
  error,
  children,
}: {
  isPending: boolean;
  error: unknown;
  children: ReactNode;
}) {
  if (error) return <ErrorNote error={error} />;
  if (isPending) return <p role="status">Loading…</p>;
  return <>{children}</>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? `${error.title}: ${error.message}` : String(error);
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}

export function LoadMore({
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
}: {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}) {
  if (!hasNextPage) return null;
  return (
    <button type="button" onClick={() => fetchNextPage()} disabled={isFetchingNextPage}>
      {isFetchingNextPage ? "Loading…" : "Load more"}
    </button>
  );
}

/** A labelled control; a server's complaint about it is shown under it and announced. */
/** Opens and closes a form in place; while open it reads "Cancel" (and says what for). */
export function ToggleButton({ open, onToggle, label }: { open: boolean; onToggle: () => void; label: string }) {
  return (
    <button type="button" className={open ? "secondary" : undefined} onClick={onToggle} aria-expanded={open}>
      {open ? (
        <>
          Cancel<span className="sr-only"> {label.toLowerCase()}</span>
        </>
      ) : (
        label
      )}
    </button>
  );
}

export function Field({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  const id = useId();
  const control =
    error && isValidElement(children)
      ? cloneElement(children as ReactElement<Record<string, unknown>>, {
          "aria-invalid": true,
          "aria-describedby": `${id}-error`,
        })
      : children;
  return (
    <div className="field">
      <label>
        <span>{label}</span>
        {control}
      </label>
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  allowEmpty,
  error,
}: {
  label: string;
  value: T | "";
  options: readonly T[];
  onChange: (value: T | "") => void;
  allowEmpty?: string;
  error?: string;
}) {
  return (
    <Field label={label} error={error}>
      <select value={value} onChange={(e) => onChange(e.target.value as T | "")}>
        {allowEmpty !== undefined && <option value="">{allowEmpty}</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replace("_", " ")}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** "5 min ago" (or "in 2 d"), with the exact time in a tooltip and for screen readers via <time>. */
export function Ago({ at, now = Date.now() }: { at: string | null | undefined; now?: number }) {
  if (!at) return <span className="muted">never</span>;
  const seconds = Math.round((now - new Date(at).getTime()) / 1000);
  const abs = Math.abs(seconds);
  const span =
    abs < 60
      ? null
      : abs < 3600
        ? `${Math.floor(abs / 60)} min`
        : abs < 86400
          ? `${Math.floor(abs / 3600)} h`
          : `${Math.floor(abs / 86400)} d`;
  const text = span === null ? "just now" : seconds < 0 ? `in ${span}` : `${span} ago`;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {text}
    </time>
  );
}

/** "1 asset", "3 assets": a number with its noun, plural when it is not one. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? noun : plural}`;
}

// The server's enums, kept once for the whole SPA.
export {
  ASSET_KINDS,
  ASSET_STATUSES,
  MISSION_STATUSES,
  OPERATION_STATUSES,
  PRIORITIES,
  SEVERITIES,
} from "../api/enums";
