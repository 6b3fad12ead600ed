// Form building blocks: field errors a screen reader hears, the way out of a stale edit,
// and the conversions between what a form holds and what the API takes.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { DraftError, fromLocalInput, numberOrNull, parseObject, SaveProblems, toLocalInput } from "../components/editor";
import { Field, ToggleButton } from "../components/ui";

describe("Field", () => {
  it("names its control by the label alone", () => {
    render(
      <Field label="Latitude">
        <input />
      </Field>,
    );
    const input = screen.getByRole("textbox", { name: "Latitude" });
    expect(input).not.toHaveAttribute("aria-invalid");
  });

  it("puts the server's complaint under the field, tied to it and announced", () => {
    render(
      <Field label="Latitude" error="Input should be less than or equal to 90">
        <input />
      </Field>,
    );
    const input = screen.getByRole("textbox", { name: "Latitude" });
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Input should be less than or equal to 90");
    expect(screen.getByRole("alert")).toHaveTextContent("Input should be less than or equal to 90");
  });
});

describe("ApiError.fieldError", () => {
  it("names the key inside a field the server refused", () => {
    const refused = new ApiError(422, "Validation failed", "config.link_kinds.1: bad", [
      { field: "config.link_kinds.1", message: "Input should be 'ipv4', 'ipv6'" },
      { field: "interval_seconds", message: "too small" },
    ]);
    expect(refused.fieldError("config")).toBe("link_kinds.1: Input should be 'ipv4', 'ipv6'");
    expect(refused.fieldError("interval_seconds")).toBe("too small");
    expect(refused.fieldError("enabled")).toBeUndefined();
  });
});

describe("ToggleButton", () => {
  it("reads Cancel while its form is open, saying what it cancels", () => {
    const { rerender } = render(<ToggleButton open={false} onToggle={() => {}} label="New mission" />);
    expect(screen.getByRole("button", { name: "New mission" })).toHaveAttribute("aria-expanded", "false");
    rerender(<ToggleButton open onToggle={() => {}} label="New mission" />);
    const cancel = screen.getByRole("button", { name: "Cancel new mission" });
    expect(cancel).toHaveAttribute("aria-expanded", "true");
    expect(cancel).toHaveTextContent(/^Cancel/);
  });
});

describe("SaveProblems", () => {
  const editor = (error: unknown, changedMeanwhile = false) => ({
    error,
    stale: error instanceof ApiError && error.status === 412,
    changedMeanwhile,
    reload: vi.fn(async () => {}),
  });

  it("explains a refused stale edit and reloads on request", async () => {
    const stale = editor(new ApiError(412, "Precondition failed", "mission 3 is at version 4, not 3"));
    render(<SaveProblems editor={stale} what="mission" />);
    expect(screen.getByRole("alert")).toHaveTextContent("Not saved: someone else changed this mission");
    await userEvent.click(screen.getByRole("button", { name: "Reload latest" }));
    expect(stale.reload).toHaveBeenCalledOnce();
  });

  it("warns before saving when a live update changed the record under the form", () => {
    render(<SaveProblems editor={editor(null, true)} what="asset" />);
    expect(screen.getByRole("alert")).toHaveTextContent("changed this asset while you were editing");
    expect(screen.getByRole("button", { name: "Reload latest" })).toBeVisible();
  });

  it("shows other failures as they are, and nothing when all is well", () => {
    const { rerender } = render(<SaveProblems editor={editor(new ApiError(409, "Conflict", "retry"))} what="asset" />);
    expect(screen.getByRole("alert")).toHaveTextContent("Conflict: retry");
    rerender(<SaveProblems editor={editor(null)} what="asset" />);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("leaves a draft's own field error to its field", () => {
    render(<SaveProblems editor={editor(new DraftError("config", "not valid JSON"))} what="agent" />);
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("conversions", () => {
  it("round-trips a local date-time through the API's ISO form", () => {
    const iso = fromLocalInput("2030-05-01T12:30");
    expect(iso).toBe(new Date(2030, 4, 1, 12, 30).toISOString());
    expect(toLocalInput(iso)).toBe("2030-05-01T12:30");
    expect(fromLocalInput("")).toBeNull();
    expect(toLocalInput(null)).toBe("");
  });

  it("sends an empty number as null", () => {
    expect(numberOrNull(" ")).toBeNull();
    expect(numberOrNull("59.91")).toBe(59.91);
  });

  it("takes only a JSON object, naming the field otherwise", () => {
    expect(parseObject("config", '{"batch": 50}')).toEqual({ batch: 50 });
    expect(parseObject("config", "")).toEqual({});
    expect(() => parseObject("config", "{")).toThrow("not valid JSON");
    expect(() => parseObject("config", "[1]")).toThrow(DraftError);
  });
});
