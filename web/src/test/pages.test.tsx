// Pages against a stubbed API: what the operator reads on them.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Mission, Operation } from "../api/client";
import { AuthProvider } from "../auth";
import Missions from "../pages/Missions";

const AT = "2026-01-01T00:00:00Z";
const operation: Operation = {
  id: 7, code: "OP-0007", name: "Northern Watch", description: "", status: "active",
  priority: "high", commander: null, start_at: null, end_at: null,
  created_at: AT, updated_at: AT, version: 1,
};
const mission: Mission = {
  id: 3, name: "Patrol sector 4", objective: "", status: "pending", priority: "medium",
  operation_id: operation.id, due_at: null, asset_ids: [], created_at: AT, updated_at: AT, version: 1,
};

/** The API as the mission page asks it: the mission, its operation, the lists beside them. */
function stubApi(answers: Record<string, unknown>) {
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = path in answers ? answers[path] : { items: [], next_cursor: null };
    return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
  });
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
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthProvider initial={{ name: "me", role: "viewer" }}>
          <MemoryRouter initialEntries={["/missions/3"]}>
            <Routes>
              <Route path="/missions/:id" element={<Missions />} />
            </Routes>
          </MemoryRouter>
        </AuthProvider>
      </QueryClientProvider>,
    );
    const link = await screen.findByRole("link", { name: "OP-0007 · Northern Watch" });
    expect(link).toHaveAttribute("href", "/operations/7");
    expect(screen.queryByText(/operation #7/)).toBeNull();
  });
});
