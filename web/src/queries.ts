// Query keys and the cursor-paged list hook. Keys are [resource, "list" | "detail", ...] so
// a live event can invalidate exactly the lists of its resource and the one row it names.
import { keepPreviousData, useInfiniteQuery, type QueryClient } from "@tanstack/react-query";
import type { VtocEvent } from "./api/client";
import type { Entity } from "./api/enums";

export type Resource = "operations" | "missions" | "assets" | "intel" | "correlations" | "agents" | "tasks";

export const keys = {
  list: (resource: Resource, params: object = {}) => [resource, "list", params] as const,
  detail: (resource: Resource, id: number | string) => [resource, "detail", String(id)] as const,
  runs: (agent: number | string) => ["agents", "runs", String(agent)] as const,
  dashboard: ["dashboard"] as const,
};

const ENTITY_RESOURCE: Partial<Record<Entity, Resource>> = {
  operation: "operations",
  mission: "missions",
  asset: "assets",
  intel: "intel",
  correlation: "correlations",
  agent: "agents",
  task: "tasks",
};

/** The query keys an event makes stale: its resource's lists, its row, the dashboard. */
export function staleKeys(event: Pick<VtocEvent, "entity" | "entity_id">): readonly unknown[][] {
  const resource = ENTITY_RESOURCE[event.entity as Entity];
  const stale: unknown[][] = [[...keys.dashboard]];
  if (!resource) return stale;
  stale.push([resource, "list"]);
  if (event.entity_id != null) {
    stale.push([...keys.detail(resource, event.entity_id)]);
    if (resource === "agents") stale.push([...keys.runs(event.entity_id)]);
  }
  return stale;
}

/** How long a refresh round waits before the next, so a flood's events arrive together. */
export const ROUND_MS = 100;

/**
 * A handler for live events that refetches what they made stale, one round at a time: each
 * round refetches every key marked since the last one, and the next round starts after it
 * ends (and ``ROUND_MS``). A Wazuh flood is thousands of events a second; invalidating per
 * event cancelled and restarted the lists' and the dashboard's requests with each one, so
 * during a flood they never finished. A round starts after the last event, so the last
 * state always shows.
 */
export function liveRefresher(client: QueryClient): (event: VtocEvent) => void {
  const marked = new Map<string, readonly unknown[]>();
  let running = false;
  async function rounds() {
    running = true;
    while (marked.size) {
      const stale = [...marked.values()];
      marked.clear();
      await Promise.all(stale.map((queryKey) => client.invalidateQueries({ queryKey })));
      await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
    }
    running = false;
  }
  return (event) => {
    for (const key of staleKeys(event)) marked.set(JSON.stringify(key), key);
    if (!running) void rounds();
  };
}

export type PageOf<T> = { items: T[]; next_cursor?: string | null };

/** A list that pages through the API's keyset cursors ("Load more" asks for the next page). */
export function useCursorList<T>(
  key: readonly unknown[],
  fetchPage: (cursor: string | undefined) => Promise<PageOf<T>>,
  { enabled = true }: { enabled?: boolean } = {},
) {
  const query = useInfiniteQuery({
    queryKey: key,
    enabled,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  return { ...query, items };
}
