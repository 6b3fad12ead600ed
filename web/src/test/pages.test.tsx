// Pages against a stubbed API: what the operator reads on them and what they send.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Asset, Dashboard as DashboardData, Intel, Mission, Operation, Role, Schemas } from "../api/client";
import { AuthProvider } from "../auth";
import Correlations from "../pages/Correlations";
import Dashboard from "../pages/Dashboard";
import Intelligence from "../pages/Intelligence";
import Missions from "../pages/Missions";
import OperationDetail from "../pages/OperationDetail";

const AT = "2026-01-01T00:00:00Z";
const operation: Operation = {
  id: 7, code: "OP-0007", name: "Northern Watch", description: "", status: "active",
  priority: "high", commander: null, start_at: null, end_at: null,
  created_at: AT, updated_at: AT, version: 1,
};
const mission: Mission = {
  id: 3, name: "Patrol sector 4", objective: "", status: "pending", priority: "critical",
  operation_id: operation.id, due_at: "2020-05-01T12:00:00Z", asset_ids: [], created_at: AT,
  updated_at: AT, version: 1,
};
const asset: Asset = {
  id: 5, name: "gw-1", kind: "server", status: "available", callsign: null, lat: null, lon: null,
  last_seen_at: null, heartbeat_seconds: null, attributes: {}, created_at: AT, updated_at: AT, version: 1,
};

function report(id: number, title: string, values: string[], extra: Partial<Intel> = {}): Intel {
  return {
    id, title, body: "", source: "wazuh", source_ref: `mgr/${id}`, severity: "high", confidence: 50,
    tlp: "amber", observed_at: AT, operation_id: null, asset_id: null, occurrences: 1,
    last_seen_at: AT, raw: null, created_at: AT, updated_at: AT, version: 1,
    indicators: values.map((value) => ({ kind: value.includes(".") ? "domain" : "user", value })),
    ...extra,
  };
}

type Sent = { method: string; path: string; query: URLSearchParams; body: string };

/** The API as the page asks it: answers by "METHOD /path?query", "METHOD /path" or "/path"
 * (GET), an empty page otherwise (a ``Response`` answers as it is); every request is kept in
 * ``sent``, with its body. */
function stubApi(answers: Record<string, unknown>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    const url = new URL(request.url);
    const sentBody = request.method === "GET" ? "" : await request.text();
    sent.push({ method: request.method, path: url.pathname, query: url.searchParams, body: sentBody });
    const keys = [`${request.method} ${url.pathname}${url.search}`, `${request.method} ${url.pathname}`];
    if (request.method === "GET") keys.push(url.pathname);
    const key = keys.find((k) => k in answers);
    const body = key ? answers[key] : { items: [], next_cursor: null };
    if (body instanceof Response) return body.clone();
    if (body === null) return new Response(null, { status: 204 });
    return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
  });
  return sent;
}

function Where() {
  const location = useLocation();
  return <output aria-label="location">{location.pathname + location.search}</output>;
}

function renderAt(url: string, route: string, page: ReactElement, role: Role = "viewer") {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AuthProvider initial={{ name: "me", role }}>
        <MemoryRouter initialEntries={[url]}>
          <Routes>
            <Route path={route} element={page} />
            <Route path="*" element={<p>elsewhere</p>} />
          </Routes>
          <Where />
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Missions", () => {
  it("names the mission's operation by its code and name, linking to it", async () => {
    stubApi({
      "/api/v1/missions/3": mission,
      "/api/v1/operations/7": operation,
      "/api/v1/missions": { items: [mission], next_cursor: null },
      "/api/v1/operations": { items: [operation], next_cursor: null },
    });
    renderAt("/missions/3", "/missions/:id", <Missions />);
    const link = await screen.findByRole("link", { name: "OP-0007 · Northern Watch" });
    expect(link).toHaveAttribute("href", "/operations/7");
    expect(screen.queryByText(/operation #7/)).toBeNull();
  });

  it("shows each row's operation code, priority and due date, flagging an overdue one", async () => {
    stubApi({
      "/api/v1/missions": { items: [mission], next_cursor: null },
      "/api/v1/operations": { items: [operation], next_cursor: null },
    });
    renderAt("/missions", "/missions", <Missions />);
    const list = await screen.findByRole("list", { name: "Missions" });
    const row = within(list).getByRole("listitem");
    expect(await within(row).findByText(/OP-0007/)).toBeVisible();
    expect(row).toHaveTextContent("critical");
    expect(row).toHaveTextContent(/due \d+ d ago/);
    expect(within(row).getByText("overdue")).toBeVisible();
  });

  it("lists only the overdue ones when asked (the Dashboard links here)", async () => {
    const sent = stubApi({});
    renderAt("/missions?overdue=true", "/missions", <Missions />);
    expect(await screen.findByRole("checkbox", { name: "Overdue only" })).toBeChecked();
    const lists = sent.filter((r) => r.path === "/api/v1/missions");
    expect(lists.at(-1)?.query.get("overdue")).toBe("true");
  });

  it("lets an operator delete a mission, after saying so", async () => {
    const sent = stubApi({
      "/api/v1/missions/3": mission,
      "/api/v1/missions/3/delete-impact": { deletes: {}, unlinks: {} },
      "DELETE /api/v1/missions/3": null,
    });
    renderAt("/missions/3", "/missions/:id", <Missions />, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "Delete mission 'Patrol sector 4'" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Delete mission 'Patrol sector 4'?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("elsewhere")).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "location" })).toHaveTextContent(/^\/missions$/);
    expect(sent.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/api/v1/missions/3"]);
  });
});

describe("OperationDetail", () => {
  it("asks an admin before a delete that takes missions with it, and says how many", async () => {
    const sent = stubApi({
      "/api/v1/operations/OP-0007": operation,
      "/api/v1/operations/7/delete-impact": { deletes: { mission: 7 }, unlinks: { intel: 3, correlation: 1 } },
      "DELETE /api/v1/operations/7": null,
    });
    renderAt("/operations/OP-0007", "/operations/:id", <OperationDetail />, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Delete operation OP-0007" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Delete operation OP-0007 and its 7 missions?" });
    expect(dialog).toHaveTextContent("3 reports and 1 correlation cluster stay, without it.");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(sent.some((r) => r.method === "DELETE")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Delete operation OP-0007" }));
    const again = await screen.findByRole("alertdialog", { name: "Delete operation OP-0007 and its 7 missions?" });
    await userEvent.click(within(again).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("elsewhere")).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "location" })).toHaveTextContent("/operations");
  });

  it("offers operators no delete: the server lets only admins delete operations", async () => {
    stubApi({ "/api/v1/operations/7": operation });
    renderAt("/operations/7", "/operations/:id", <OperationDetail />, "operator");
    expect(await screen.findByRole("button", { name: "Edit" })).toBeVisible();
    expect(screen.queryByRole("button", { name: /^Delete/ })).toBeNull();
  });

  it("lists the missions of an operation its link names by code", async () => {
    const sent = stubApi({
      "/api/v1/operations/OP-0007": operation,
      "/api/v1/missions": { items: [mission], next_cursor: null },
    });
    renderAt("/operations/OP-0007", "/operations/:id", <OperationDetail />);
    expect(await screen.findByRole("link", { name: "Patrol sector 4" })).toBeVisible();
    const asked = sent.filter((r) => r.path === "/api/v1/missions").map((r) => r.query.get("operation_id"));
    expect(asked).toEqual(["7"]);
  });
});

describe("Intelligence", () => {
  const shared = Array.from({ length: 20 }, (_, n) => `host-${n}.example.net`);
  const chosen = report(1, "Beacons from gw-1", shared, { asset_id: asset.id });
  const other = report(2, "Lookups by gw-2", shared);

  it("shows each row's id, source and host", async () => {
    stubApi({
      "/api/v1/intel": { items: [chosen], next_cursor: null },
      "/api/v1/assets": { items: [asset], next_cursor: null },
    });
    renderAt("/intel", "/intel", <Intelligence />);
    const row = within(await screen.findByRole("list", { name: "Reports" })).getByRole("listitem");
    await vi.waitFor(() => expect(row).toHaveTextContent("#1 · wazuh · gw-1"));
  });

  it("lists a related report once, however many indicators it shares", async () => {
    const answers: Record<string, unknown> = {
      "/api/v1/intel/1": chosen,
      "/api/v1/intel": { items: [chosen, other], next_cursor: null },
    };
    stubApi(answers);
    renderAt("/intel/1", "/intel/:id", <Intelligence />);
    const related = await screen.findByRole("list", { name: "Related reports" });
    await vi.waitFor(() => expect(within(related).getByText(/shares/)).toHaveTextContent(shared.at(-1)!));
    expect(within(related).getAllByRole("link", { name: "Lookups by gw-2" })).toHaveLength(1);
    const article = screen.getByRole("article");
    expect(within(article).getAllByText(shared[0])).toHaveLength(1); // in the indicators, once
  });

  it("selects a report an operator files, as the other pages select what they create", async () => {
    const filed = report(9, "Beacon to evil.example", ["evil.example"], { source: "manual" });
    const sent = stubApi({
      "POST /api/v1/intel": filed,
      "/api/v1/intel/9": filed,
      "/api/v1/intel": { items: [filed, chosen], next_cursor: null },
    });
    renderAt("/intel", "/intel/:id?", <Intelligence />, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "New report" }));
    await userEvent.type(screen.getByRole("textbox", { name: "Title" }), "Beacon to evil.example");
    await userEvent.click(screen.getByRole("button", { name: "File report" }));
    expect(await screen.findByRole("heading", { name: "Beacon to evil.example" })).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "location" })).toHaveTextContent(/^\/intel\/9(\?|$)/);
    const rows = within(screen.getByRole("list", { name: "Reports" })).getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("aria-current"))).toEqual(["true", null]);
    expect(screen.queryByRole("form", { name: "New report" })).not.toBeInTheDocument();
    expect(sent.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/api/v1/intel"]);
  });
});

describe("Correlations", () => {
  const cluster: Schemas["Correlation"] = {
    id: 4, score: 2, severity: "high", operation_id: null, summary_report_id: null,
    report_ids: [1, 2], first_seen_at: AT, last_seen_at: AT,
    indicators: [{ kind: "ipv4", value: "203.0.113.7" }, { kind: "domain", value: "evil.example.net" }],
  };

  it("lists clusters with their shared indicators; one shows its members and escalates", async () => {
    const sent = stubApi({
      "/api/v1/correlations": { items: [cluster], next_cursor: null },
      "/api/v1/correlations/4": cluster,
      "GET /api/v1/intel?correlation_id=4": { items: [report(1, "Beacon", []), report(2, "Scan", [])], next_cursor: null },
      "POST /api/v1/correlations/4/escalate": report(9, "Correlated cluster 4: 2 linked reports", []),
    });
    renderAt("/correlations/4", "/correlations/:id", <Correlations />, "operator");
    const clusters = await screen.findByRole("list", { name: "Clusters" });
    expect(within(clusters).getByRole("listitem")).toHaveTextContent("203.0.113.7");
    const members = await screen.findByRole("list", { name: "Member reports" });
    expect(within(members).getByRole("link", { name: "Scan" })).toHaveAttribute("href", "/intel/2");
    await userEvent.click(screen.getByRole("button", { name: "Escalate" }));
    await vi.waitFor(() => expect(sent.some((r) => r.method === "POST")).toBe(true));
  });

  it("links to a cluster's summary once it is escalated, and offers viewers no escalation", async () => {
    stubApi({
      "/api/v1/correlations": { items: [{ ...cluster, summary_report_id: 9 }], next_cursor: null },
      "/api/v1/correlations/4": { ...cluster, summary_report_id: 9 },
    });
    renderAt("/correlations/4", "/correlations/:id", <Correlations />);
    expect(await screen.findByRole("link", { name: "summary report #9" })).toHaveAttribute("href", "/intel/9");
    expect(screen.queryByRole("button", { name: "Escalate" })).toBeNull();
  });
});

describe("Dashboard", () => {
  it("puts the overdue count with the missions, linking to them", async () => {
    const data: DashboardData = {
      generated_at: AT, operations: { active: 1 }, missions: { pending: 4 }, assets: {},
      overdue_missions: 2, intel_per_hour: [0, 1], intel_by_severity: { high: 1 },
      recent_events: [], agents: [],
    };
    stubApi({ "/api/v1/dashboard": data });
    renderAt("/", "/", <Dashboard />);
    const missions = await screen.findByRole("region", { name: /Missions/ });
    expect(within(missions).getByRole("link", { name: "2 overdue" })).toHaveAttribute("href", "/missions?overdue=true");
    expect(screen.getByRole("region", { name: /Intelligence/ })).not.toHaveTextContent("overdue");
  });
});

describe("OperationDetail's timeline", () => {
  const entry: Schemas["TimelineItem"] = {
    type: "entry", id: 41, at: "2026-01-01T14:32:00Z", actor: "alice", kind: "contact",
    summary: "Hawk-02 reports contact", entity: "journal", entity_id: 41, link: "/api/v1/journal/41",
    text: "Hawk-02 reports contact at grid 31U",
  };
  const event: Schemas["TimelineItem"] = {
    type: "event", id: 900, at: "2026-01-01T14:00:00Z", actor: "bob", kind: "mission.updated",
    summary: "mission.updated: mission 3 Patrol sector 4 (status)", entity: "mission", entity_id: 3,
    link: "/api/v1/missions/3", text: null,
  };

  it("reads entries and events newest first, in UTC, events linking to their row", async () => {
    const sent = stubApi({
      "/api/v1/operations/OP-0007": operation,
      "/api/v1/operations/7/timeline": { items: [entry, event], next_cursor: null },
    });
    renderAt("/operations/OP-0007", "/operations/:id", <OperationDetail />);
    await userEvent.click(await screen.findByRole("tab", { name: "Timeline" }));
    const timeline = await screen.findByRole("list", { name: "Timeline" });
    const [first, second] = within(timeline).getAllByRole("listitem");
    expect(first).toHaveTextContent("2026-01-01 14:32:00Z contact alice Hawk-02 reports contact at grid 31U");
    expect(within(second).getByRole("link", { name: /mission 3 Patrol sector 4/ })).toHaveAttribute("href", "/missions/3");
    expect(screen.getByRole("status", { name: "location" })).toHaveTextContent("?tab=timeline");
    expect(sent.find((r) => r.path.endsWith("/timeline"))?.query.get("order")).toBe("desc");
    expect(screen.queryByRole("form", { name: "Log an entry" })).toBeNull(); // a viewer reads
  });

  it("logs an entry at a typed time for this operation; a bad time stays in the form", async () => {
    const sent = stubApi({
      "/api/v1/operations/7": operation,
      "POST /api/v1/journal": { ...entry, id: 42 },
    });
    renderAt("/operations/7?tab=timeline", "/operations/:id", <OperationDetail />, "operator");
    const form = await screen.findByRole("form", { name: "Log an entry" });
    await userEvent.type(within(form).getByLabelText("What happened (Markdown)"), "Relief in place");
    await userEvent.type(within(form).getByLabelText("When (blank: now)"), "25:99Z");
    await userEvent.click(within(form).getByRole("button", { name: "Log entry" }));
    expect(await within(form).findByText(/not a time of day/)).toBeVisible();
    expect(sent.some((r) => r.method === "POST")).toBe(false);

    await userEvent.clear(within(form).getByLabelText("When (blank: now)"));
    await userEvent.type(within(form).getByLabelText("When (blank: now)"), "-10m");
    await userEvent.selectOptions(within(form).getByLabelText("Kind"), "decision");
    await userEvent.click(within(form).getByRole("button", { name: "Log entry" }));
    await vi.waitFor(() => expect(sent.some((r) => r.method === "POST")).toBe(true));
    const body = JSON.parse(sent.find((r) => r.method === "POST")!.body);
    expect(body).toMatchObject({ text: "Relief in place", kind: "decision", operation_id: 7 });
    const ago = Date.now() - Date.parse(body.occurred_at);
    expect(ago).toBeGreaterThan(9 * 60_000);
    expect(ago).toBeLessThan(11 * 60_000);
    await vi.waitFor(() => expect(within(form).getByLabelText("What happened (Markdown)")).toHaveValue(""));
  });

  it("shows the server's refusal under the field it names", async () => {
    const refusal = new Response(
      JSON.stringify({
        title: "Invalid input", status: 422, detail: "occurred_at: in the future",
        errors: [{ field: "occurred_at", message: "more than 2 minutes in the future" }],
      }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } },
    );
    stubApi({ "/api/v1/operations/7": operation, "POST /api/v1/journal": refusal });
    renderAt("/operations/7?tab=timeline", "/operations/:id", <OperationDetail />, "operator");
    const form = await screen.findByRole("form", { name: "Log an entry" });
    await userEvent.type(within(form).getByLabelText("What happened (Markdown)"), "Too early");
    await userEvent.click(within(form).getByRole("button", { name: "Log entry" }));
    expect(await within(form).findByText("more than 2 minutes in the future")).toBeVisible();
    expect(within(form).getByLabelText("What happened (Markdown)")).toHaveValue("Too early");
  });
});

describe("Acknowledging", () => {
  const ack = { report_id: 1, acked_by: "me", acked_at: "2026-01-01T12:05:00Z" };

  it("filters the intel list to unacknowledged reports and acks the open one", async () => {
    const sent = stubApi({
      "/api/v1/intel/1": report(1, "Beacon", []),
      "/api/v1/intel": { items: [report(1, "Beacon", [])], next_cursor: null },
      "POST /api/v1/intel/1/ack": ack,
    });
    renderAt("/intel/1", "/intel/:id", <Intelligence />, "operator");
    await userEvent.click(await screen.findByRole("checkbox", { name: "Unacknowledged only" }));
    await vi.waitFor(() =>
      expect(sent.filter((r) => r.path === "/api/v1/intel").at(-1)?.query.get("acknowledged")).toBe("false"),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Acknowledge 'Beacon'" }));
    expect(await screen.findByText("Acknowledged by me at 2026-01-01 12:05:00Z")).toBeVisible();
    expect(sent.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/api/v1/intel/1/ack"]);
  });

  it("lists the watch on the Dashboard, late acks flagged, with an Ack for operators", async () => {
    const watch: Schemas["Watch"] = {
      generated_at: AT, unacknowledged_total: 2, overdue_missions: [mission], failed_tasks: [],
      unreachable_assets: [],
      unacknowledged: [
        { id: 1, title: "Beacon", severity: "critical", operation_id: 7, created_at: AT, deadline: AT, overdue: true },
        { id: 2, title: "Scan", severity: "high", operation_id: null, created_at: AT, deadline: null, overdue: false },
      ],
    };
    const data: DashboardData = {
      generated_at: AT, operations: {}, missions: {}, assets: {}, overdue_missions: 1,
      intel_per_hour: [], intel_by_severity: {}, recent_events: [], agents: [],
    };
    const sent = stubApi({ "/api/v1/dashboard": data, "/api/v1/watch": watch, "POST /api/v1/intel/1/ack": ack });
    renderAt("/", "/", <Dashboard />, "operator");
    const panel = await screen.findByRole("region", { name: /Watch/ });
    const rows = within(await within(panel).findByRole("list", { name: "Unacknowledged reports" })).getAllByRole("listitem");
    expect(rows[0]).toHaveTextContent(/ack overdue since/);
    expect(rows[1]).not.toHaveTextContent(/ack (due|overdue)/); // no deadline for high here
    expect(within(panel).getByRole("link", { name: "1 late mission" })).toHaveAttribute("href", "/missions?overdue=true");
    expect(within(panel).getByText(/0 failed tasks/)).toBeVisible();
    expect(within(panel).getByRole("link", { name: "All 2 unacknowledged reports" })).toHaveAttribute(
      "href",
      "/intel?acknowledged=false",
    );
    await userEvent.click(within(rows[0]).getByRole("button", { name: "Acknowledge 'Beacon'" }));
    expect(await within(rows[0]).findByRole("status")).toHaveTextContent("Acknowledged by me");
    expect(sent.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/api/v1/intel/1/ack"]);
  });
});
