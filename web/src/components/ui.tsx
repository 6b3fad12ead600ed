// Small building blocks every page uses: status badges, loading/error states, paging, fields.
import type { ReactNode } from "react";
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

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  allowEmpty,
}: {
  label: string;
  value: T | "";
  options: readonly T[];
  onChange: (value: T | "") => void;
  allowEmpty?: string;
}) {
  return (
    <Field label={label}>
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

/** "5 min ago", with the exact time in a tooltip and for screen readers via <time>. */
export function Ago({ at, now = Date.now() }: { at: string | null | undefined; now?: number }) {
  if (!at) return <span className="muted">never</span>;
  const seconds = Math.round((now - new Date(at).getTime()) / 1000);
  const text =
    seconds < 60
      ? "just now"
      : seconds < 3600
        ? `${Math.floor(seconds / 60)} min ago`
        : seconds < 86400
          ? `${Math.floor(seconds / 3600)} h ago`
          : `${Math.floor(seconds / 86400)} d ago`;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {text}
    </time>
  );
}

export const OPERATION_STATUSES = ["planned", "active", "paused", "completed", "cancelled"] as const;
export const MISSION_STATUSES = [
  "pending",
  "in_progress",
  "blocked",
  "completed",
  "failed",
  "cancelled",
] as const;
export const ASSET_STATUSES = ["available", "deployed", "maintenance", "offline", "unreachable"] as const;
export const ASSET_KINDS = ["personnel", "vehicle", "aircraft", "sensor", "server", "network", "other"] as const;
export const PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
