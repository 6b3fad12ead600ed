// Live updates: a short-lived ticket (EventSource cannot send headers), then the SSE stream.
// Each event invalidates only the queries it affects; a dropped stream resumes after the last
// event id it saw, with a fresh ticket.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { tokenStore, type VtocEvent } from "./api/client";
import { applyEvent } from "./queries";

export type LiveState = "connecting" | "live" | "offline";

async function ticket(): Promise<string> {
  const response = await fetch("/api/v1/events/ticket", {
    method: "POST",
    headers: { Authorization: `Bearer ${tokenStore.get() ?? ""}` },
  });
  if (!response.ok) throw new Error(`ticket: ${response.status}`);
  return ((await response.json()) as { ticket: string }).ticket;
}

export function useLiveUpdates(onEvent?: (event: VtocEvent) => void): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let lastId = 0;
    let delay = 1000;

    const retry = () => {
      setState("offline");
      if (!stopped) timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };

    async function connect() {
      try {
        const query = new URLSearchParams({ ticket: await ticket() });
        if (lastId) query.set("after", String(lastId));
        if (stopped) return;
        source = new EventSource(`/api/v1/events/stream?${query}`);
      } catch {
        retry();
        return;
      }
      source.onopen = () => {
        delay = 1000;
        setState("live");
      };
      source.onmessage = (message) => {
        const event = JSON.parse(message.data) as VtocEvent;
        lastId = Number(message.lastEventId) || event.id;
        applyEvent(client, event);
        onEvent?.(event);
      };
      source.onerror = () => {
        source?.close();
        retry();
      };
    }

    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [client, onEvent]);

  return state;
}
