// List filters live in the URL's query string: shareable, and kept across reloads and updates.
import { useSearchParams } from "react-router-dom";

export function useFilters<K extends string>(names: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(names.map((n) => [n, params.get(n) ?? ""])) as Record<K, string>;
  const set = (name: K, value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  return { values, set };
}

/** The API's query object from filter values: empty ones are left out, lists are wrapped. */
export function listQuery(values: Record<string, string>, arrays: readonly string[] = []) {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v) query[k] = arrays.includes(k) ? [v] : v;
  }
  return query;
}

/** The filters as a query string for links, so a selection keeps the list it came from. */
export function toSearch(values: Record<string, string>): string {
  return new URLSearchParams(Object.entries(values).filter(([, v]) => v)).toString();
}
