// Live updates from the event stream. The stream is opened with a short-lived, single-use
// ticket (never the token) in its URL. It is read with fetch and a well-kept SSE parser
// rather than EventSource, because the server names each message after its kind
// (`operation.created`, …) and EventSource can only listen to names known in advance.
// Events invalidate only the queries they affect, a round at a time (see liveRefresher); a
// dropped stream resumes after the last event id seen, with a fresh ticket.
import { useQueryClient } from "@tanstack/react-query";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { useEffect, useState } from "react";
import { api, unwrap, type VtocEvent } from "./api/client";
import { liveRefresher } from "./queries";

export type LiveState = "connecting" | "live" | "offline";

type Handlers = {
  onOpen: () => void;
  onEvent: (event: VtocEvent) => void;
  position: () => number | null;
  setPosition: (id: number) => void;
};

/** Follow the stream once, until it ends or fails. */
export async function follow(signal: AbortSignal, handlers: Handlers): Promise<void> {
  const { ticket } = await unwrap(api.POST("/api/v1/events/ticket"));
  const query = new URLSearchParams({ ticket });
  const after = handlers.position();
  if (after !== null) query.set("after", String(after));
  const response = await fetch(`/api/v1/events/stream?${query}`, {
    headers: { Accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
  handlers.onOpen();
  const messages = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of messages as unknown as AsyncIterable<{ id?: string; data: string }>) {
    if (message.id) handlers.setPosition(Number(message.id));
    // The first message carries only an id: the position "now", to resume from.
    if (message.data) handlers.onEvent(JSON.parse(message.data) as VtocEvent);
  }
}

export function useLiveUpdates(): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    const abort = new AbortController();
    let position: number | null = null;
    const handlers: Handlers = {
      onOpen: () => setState("live"),
      onEvent: liveRefresher(client),
      position: () => position,
      setPosition: (id) => {
        position = id;
      },
    };
    async function run() {
      let delay = 1000;
      while (!abort.signal.aborted) {
        const opened = Date.now();
        try {
          await follow(abort.signal, handlers);
        } catch {
          // Reconnect below; an aborted signal ends the loop.
        }
        if (abort.signal.aborted) return;
        setState("offline");
        delay = Date.now() - opened > 30000 ? 1000 : Math.min(delay * 2, 30000);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    void run();
    return () => abort.abort();
  }, [client]);

  return state;
}
