// Times typed for a log entry: the same forms the CLI's --at and the TUI's quick entry read.
import { describe, expect, it } from "vitest";
import { parsePast, utc } from "../when";

const NOW = new Date("2026-12-06T10:00:00Z");

describe("parsePast", () => {
  it("leaves blank and 'now' to the server's clock", () => {
    expect(parsePast("", NOW)).toBeUndefined();
    expect(parsePast(" Now ", NOW)).toBeUndefined();
  });

  it("reads spans as that long ago, with or without the minus", () => {
    expect(parsePast("-10m", NOW)).toBe("2026-12-06T09:50:00.000Z");
    expect(parsePast("2h", NOW)).toBe("2026-12-06T08:00:00.000Z");
    expect(parsePast("+1m", NOW)).toBe("2026-12-06T10:01:00.000Z"); // the server judges it
  });

  it("reads a UTC clock time as the last one, never a future one", () => {
    expect(parsePast("09:32Z", NOW)).toBe("2026-12-06T09:32:00.000Z");
    expect(parsePast("14:32z", NOW)).toBe("2026-12-05T14:32:00.000Z");
  });

  it("reads ISO 8601, a time without a zone as UTC", () => {
    expect(parsePast("2026-12-05 08:15", NOW)).toBe("2026-12-05T08:15:00.000Z");
    expect(parsePast("2026-12-05T08:15:00+01:00", NOW)).toBe("2026-12-05T07:15:00.000Z");
  });

  it("refuses anything else, naming the forms it takes", () => {
    expect(() => parsePast("25:99Z", NOW)).toThrow("not a time of day");
    expect(() => parsePast("yesterday-ish", NOW)).toThrow(/not a time; use now, -10m/);
  });
});

describe("utc", () => {
  it("writes a time as the after-action record does", () => {
    expect(utc("2026-12-06T14:32:05.123+00:00")).toBe("2026-12-06 14:32:05Z");
  });
});
