// Component tests: what a user sees and can do with each building block, in jsdom.
import { QueryClient, QueryClientProvider, QueryObserver } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Asset } from "../api/client";
import { AuthProvider, Can } from "../auth";
import { AssetMap } from "../components/AssetMap";
import { deleteQuestion } from "../components/DeleteButton";
import { placeLabels, type Box } from "../components/mapLabels";
import { HourBars } from "../components/HourBars";
import { Ago, LoadMore } from "../components/ui";
import { liveRefresher, staleKeys, useCursorList, type PageOf } from "../queries";

function asset(
  id: number, name: string, lat: number | null, lon: number | null, status: Asset["status"] = "deployed",
): Asset {
  return {
    id, name, kind: "vehicle", status, callsign: null, lat, lon,
    last_seen_at: null, heartbeat_seconds: null, attributes: {},
    created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", version: 1,
  };
}

describe("Can", () => {
  const button = (role: "viewer" | "operator" | "admin") =>
    render(
      <AuthProvider initial={{ name: "me", role }}>
        <Can role="operator">
          <button type="button">New operation</button>
        </Can>
      </AuthProvider>,
    );

  it("hides write buttons from a viewer", () => {
    button("viewer");
    expect(screen.queryByRole("button", { name: "New operation" })).toBeNull();
  });

  it("shows them to operators and admins", () => {
    button("operator");
    expect(screen.getByRole("button", { name: "New operation" })).toBeVisible();
    button("admin");
    expect(screen.getAllByRole("button", { name: "New operation" })).toHaveLength(2);
  });
});

describe("AssetMap", () => {
  it("plots only positioned assets and says how many", () => {
    render(<AssetMap assets={[asset(1, "Falcon", 59.9, 10.7), asset(2, "Relay", 60, 11), asset(3, "Depot", null, null)]} />);
    expect(screen.getByRole("group", { name: "Map of 2 positioned assets" })).toBeInTheDocument();
    expect(screen.getByText("2 of 3 assets positioned")).toBeInTheDocument();
    expect(screen.queryByText("Depot")).toBeNull();
  });

  it("selects an asset when its point is clicked", async () => {
    const onSelect = vi.fn();
    render(<AssetMap assets={[asset(7, "Falcon", 59.9, 10.7)]} onSelect={onSelect} />);
    await userEvent.click(screen.getByText("Falcon"));
    expect(onSelect).toHaveBeenCalledWith(7);
  });

  it("lets the keyboard reach a point and select it with Enter", async () => {
    const onSelect = vi.fn();
    render(<AssetMap assets={[asset(7, "Falcon", 59.9, 10.7), asset(8, "Relay", 60, 11)]} selected={7} onSelect={onSelect} />);
    await userEvent.tab();
    expect(screen.getByRole("button", { name: "Falcon (deployed)" })).toHaveFocus();
    expect(screen.getByRole("button", { name: "Falcon (deployed)" })).toHaveAttribute("aria-pressed", "true");
    await userEvent.tab();
    await userEvent.keyboard("{Enter}");
    expect(onSelect).toHaveBeenCalledWith(8);
  });

  it("has a colour legend for the statuses and says when names are hidden to avoid overlap", () => {
    const convoy = Array.from({ length: 6 }, (_, n) => asset(n + 1, `Convoy ${n}`, 59.9, 10.7 + n * 1e-5));
    render(<AssetMap assets={[...convoy, asset(9, "Relay", 60.5, 11.5, "unreachable")]} />);
    const legend = screen.getByRole("list", { name: "Status colours" });
    expect(legend).toHaveTextContent(/available.*deployed.*maintenance.*offline.*unreachable/);
    expect(screen.getByText(/names? hidden where they would overlap: hover or focus a point/)).toBeInTheDocument();
    // Every point keeps its name for screen readers and on hover.
    expect(screen.getByRole("group", { name: "Map of 7 positioned assets" }).querySelectorAll("text.map-label")).toHaveLength(7);
  });

  it("draws the selected asset's track through its fixes, widening the plot to hold it", () => {
    const track = [{ lat: 58.9, lon: 9.7 }, { lat: 59.4, lon: 10.2 }, { lat: 59.9, lon: 10.7 }];
    const { rerender } = render(
      <AssetMap assets={[asset(7, "Falcon", 59.9, 10.7), asset(8, "Relay", 60, 11)]} selected={7} track={track} />,
    );
    const line = screen.getByRole("img", { name: "Track of Falcon: 3 fixes" });
    const corners = (line.getAttribute("points") ?? "").split(" ").map((p) => p.split(",").map(Number));
    expect(corners).toHaveLength(3);
    // Oldest first, south-west to north-east: x grows and y (down the screen) shrinks.
    expect(corners[0][0]).toBeLessThan(corners[2][0]);
    expect(corners[0][1]).toBeGreaterThan(corners[2][1]);
    // The plot's south-west corner is the track's oldest fix, not the assets' corner.
    expect(screen.getByText("58.90°, 9.70°")).toBeInTheDocument();
    // The track ends at the asset's point.
    const falcon = screen.getByRole("group", { name: /Map of/ }).querySelector("g.map-point.selected");
    const [, fx, fy] = /translate\(([\d.]+),([\d.]+)\)/.exec(falcon?.getAttribute("transform") ?? "")!.map(Number);
    expect(fx).toBeCloseTo(corners[2][0], 0);
    expect(fy).toBeCloseTo(corners[2][1], 0);
    // No selection, no track.
    rerender(<AssetMap assets={[asset(7, "Falcon", 59.9, 10.7), asset(8, "Relay", 60, 11)]} track={track} />);
    expect(screen.queryByTestId("asset-track")).toBeNull();
  });

  it("draws each positioned asset's trail thin in its status colour, the selected track over it", () => {
    const assets = [asset(7, "Falcon", 59.9, 10.7), asset(8, "Relay", 60, 11, "unreachable"), asset(9, "Depot", null, null)];
    const trails = new Map([
      [7, [{ lat: 59.5, lon: 10.3 }, { lat: 59.9, lon: 10.7 }]],
      [8, [{ lat: 60.4, lon: 11.4 }, { lat: 60.2, lon: 11.2 }, { lat: 60, lon: 11 }]],
      [9, [{ lat: 1, lon: 1 }, { lat: 2, lon: 2 }]], // not positioned: not drawn
    ]);
    const { rerender } = render(<AssetMap assets={assets} trails={trails} />);
    const drawn = screen.getAllByTestId("asset-trail");
    expect(drawn.map((d) => [d.getAttribute("data-asset"), d.getAttribute("class")])).toEqual([
      ["7", "map-trail status-deployed"],
      ["8", "map-trail status-unreachable"],
    ]);
    expect(drawn[1].getAttribute("points")?.split(" ")).toHaveLength(3);
    expect(screen.getByText(/2 of 3 assets positioned · 2 trails/)).toBeInTheDocument();
    // The plot widens to hold the trails: its north-east corner is Relay's oldest fix.
    expect(screen.getByText("60.40°, 11.40°")).toBeInTheDocument();
    // Selected, with its track: the track replaces its trail; the others stay.
    const track = [{ lat: 58.9, lon: 9.7 }, { lat: 59.9, lon: 10.7 }];
    rerender(<AssetMap assets={assets} trails={trails} selected={7} track={track} />);
    expect(screen.getAllByTestId("asset-trail").map((d) => d.getAttribute("data-asset"))).toEqual(["8"]);
    expect(screen.getByRole("img", { name: "Track of Falcon: 2 fixes" })).toBeInTheDocument();
    // Selected before its track has come: its trail is drawn, emphasised.
    rerender(<AssetMap assets={assets} trails={trails} selected={7} />);
    expect(screen.getAllByTestId("asset-trail")[0]).toHaveClass("map-trail", "selected");
    // Trails switched off: none.
    rerender(<AssetMap assets={assets} selected={7} />);
    expect(screen.queryByTestId("asset-trail")).toBeNull();
  });

  it("says so when nothing has a position", () => {
    render(<AssetMap assets={[asset(1, "Depot", null, null)]} />);
    expect(screen.getByText("No asset has reported a position.")).toBeInTheDocument();
  });
});

describe("placeLabels", () => {
  const overlap = (a: Box, b: Box) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

  it("gives a crowd of points labels that never overlap, and hides the rest", () => {
    // Twelve assets within a few pixels of each other, as a convoy at one spot.
    const crowd = Array.from({ length: 12 }, (_, n) => ({
      id: n, x: 300 + (n % 4) * 3, y: 180 + Math.floor(n / 4) * 3, text: `Convoy vehicle ${n}`,
    }));
    const placed = placeLabels(crowd, 640, 360);
    const shown = [...placed.values()].filter((p) => p !== null).map((p) => p!.box);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(12);
    shown.forEach((a, i) => shown.slice(i + 1).forEach((b) => expect(overlap(a, b)).toBe(false)));
    expect(placed.get(0)).not.toBeNull(); // the first (most important) always has room
  });

  it("moves a label to the other side rather than off the map", () => {
    const placed = placeLabels([{ id: 1, x: 630, y: 100, text: "Edge relay" }], 640, 360);
    expect(placed.get(1)?.anchor).toBe("end");
  });
});

describe("deleteQuestion", () => {
  it("says what a delete takes with it and what it leaves unlinked", () => {
    expect(deleteQuestion("operation OP-0004", { deletes: { mission: 7 }, unlinks: { intel: 1 } })).toEqual([
      "Delete operation OP-0004 and its 7 missions?",
      "1 report stays, without it.",
    ]);
    expect(deleteQuestion("asset 'Hawk-3'", { deletes: {}, unlinks: {} })).toEqual(["Delete asset 'Hawk-3'?", null]);
    expect(deleteQuestion("asset 'Hawk-3'", { deletes: { position_fix: 40 } })[0]).toBe(
      "Delete asset 'Hawk-3' and its 40 position fixes?",
    );
    expect(deleteQuestion("operation OP-0001", { deletes: { mission: 1 } })[0]).toBe(
      "Delete operation OP-0001 and its mission?",
    );
  });
});

describe("HourBars", () => {
  it("gives screen readers the total", () => {
    render(<HourBars counts={[1, 0, 4]} label="Reports per hour" />);
    expect(screen.getByRole("img", { name: "Reports per hour: 5 in 3 hours" })).toBeInTheDocument();
  });
});

describe("Ago", () => {
  it("reads as relative time and keeps the exact time machine-readable", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    render(<Ago at="2026-01-01T11:55:00Z" now={now} />);
    const time = screen.getByText("5 min ago");
    expect(time.tagName).toBe("TIME");
    expect(time).toHaveAttribute("datetime", "2026-01-01T11:55:00Z");
  });

  it("reads a time still to come as 'in …' (a mission's due date)", () => {
    render(<Ago at="2026-01-03T12:00:00Z" now={Date.parse("2026-01-01T12:00:00Z")} />);
    expect(screen.getByText("in 2 d")).toBeInTheDocument();
  });
});

describe("staleKeys", () => {
  it("marks the resource's lists, the one row and the dashboard stale, nothing else", () => {
    expect(staleKeys({ entity: "operation", entity_id: 4 })).toEqual([
      ["dashboard"],
      ["operations", "list"],
      ["operations", "detail", "4"],
    ]);
  });

  it("includes an agent's runs", () => {
    expect(staleKeys({ entity: "agent", entity_id: 2 })).toContainEqual(["agents", "runs", "2"]);
  });

  it("refreshes the operation's timeline for any event of it, and the watch for reports", () => {
    expect(staleKeys({ entity: "journal", entity_id: 9, operation_id: 7 })).toEqual([
      ["dashboard"],
      ["operations", "timeline", "7"],
    ]);
    expect(staleKeys({ entity: "intel", entity_id: 3 })).toContainEqual(["watch"]);
    expect(staleKeys({ entity: "operation", entity_id: 4 })).not.toContainEqual(["watch"]);
  });

  it("only refreshes the dashboard for entities no page lists", () => {
    expect(staleKeys({ entity: "token", entity_id: 1 })).toEqual([["dashboard"]]);
  });
});

describe("liveRefresher", () => {
  it("refetches a flood's stale list a few times, not once per event, and ends current", async () => {
    const client = new QueryClient();
    let stored = 0; // what the server holds: one report per event
    const started: number[] = [];
    const finished: number[] = [];
    const observer = new QueryObserver(client, {
      queryKey: ["intel", "list"],
      queryFn: async () => {
        const seen = stored;
        started.push(seen);
        await new Promise((resolve) => setTimeout(resolve, 30)); // a slow list request
        finished.push(seen);
        return seen;
      },
    });
    const unsubscribe = observer.subscribe(() => {}); // a page shows the list
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBe(0));
    const refresh = liveRefresher(client);
    for (let i = 1; i <= 1000; i++) {
      stored = i;
      refresh({ id: i, ts: "", actor: "wazuh", kind: "intel.created", entity: "intel",
        entity_id: i, operation_id: null, data: {} });
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBe(1000), {
      timeout: 3000,
    });
    unsubscribe();
    expect(started.length).toBeLessThan(20); // for 1,000 events
    expect(finished).toEqual(started); // none cancelled half way
  });
});

describe("useCursorList", () => {
  function Names({ pages }: { pages: Record<string, PageOf<string>> }) {
    const list = useCursorList(["names"], async (cursor) => pages[cursor ?? "first"]);
    return (
      <>
        <ul>{list.items.map((n) => <li key={n}>{n}</li>)}</ul>
        <LoadMore {...list} />
      </>
    );
  }

  it("follows next_cursor page by page until there is none", async () => {
    const pages = {
      first: { items: ["alpha", "bravo"], next_cursor: "c2" },
      c2: { items: ["charlie"], next_cursor: null },
    };
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Names pages={pages} />
      </QueryClientProvider>,
    );
    expect(await screen.findByText("bravo")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByText("charlie")).toBeInTheDocument();
    expect(screen.getAllByRole("listitem")).toHaveLength(3);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });
});
