// Every asset and every operation (the API's largest page), for pickers and for naming rows
// by their asset's name or operation's code where a row only carries the id.
import { api, unwrap } from "./api/client";
import { keys, useCursorList } from "./queries";

const CHOICES = { limit: 500 };

export function useAllAssets() {
  return useCursorList(keys.list("assets", CHOICES), (cursor) =>
    unwrap(api.GET("/api/v1/assets", { params: { query: { ...CHOICES, cursor } } })),
  );
}

export function useAllOperations(enabled = true) {
  return useCursorList(
    keys.list("operations", CHOICES),
    (cursor) => unwrap(api.GET("/api/v1/operations", { params: { query: { ...CHOICES, cursor } } })),
    { enabled },
  );
}

/** A lookup from id to a label, over one of the lists above. */
export function byId<T extends { id: number }>(rows: T[], label: (row: T) => string): Map<number, string> {
  return new Map(rows.map((row) => [row.id, label(row)]));
}
