// Times as an operator types them for a log entry, read as the CLI's `--at` and the TUI's
// quick entry read them (vtoc/when.py): the server itself takes only ISO 8601 with a zone.

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SPAN = /^([+-])?\s*(\d+)\s*([smhdw])$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?z$/;

export const TIME_FORMS = "now, -10m (ago), 14:32Z (the last one), or ISO 8601 (no zone = UTC)";

/**
 * When something happened, as ISO 8601 in UTC; `undefined` for blank or "now" (the server's
 * clock then). "-10m" and "10m" are that long ago ("+10m" ahead, which the server refuses
 * past its clock skew, as for the CLI); "14:32Z" is the last 14:32 UTC, never a
 * future one. Anything else must be ISO 8601. Throws an Error that names the accepted forms.
 */
export function parsePast(typed: string, now: Date = new Date()): string | undefined {
  const text = typed.trim().toLowerCase().replace(/\s+/g, " ");
  if (text === "" || text === "now") return undefined;
  const span = SPAN.exec(text);
  if (span) {
    const sign = span[1] === "+" ? 1 : -1; // "+2h" is ahead: the server refuses it, as it says
    return new Date(now.getTime() + sign * Number(span[2]) * UNITS[span[3]] * 1000).toISOString();
  }
  const clock = CLOCK.exec(text);
  if (clock) {
    const [hours, minutes, seconds] = [clock[1], clock[2], clock[3] ?? "0"].map(Number);
    if (hours > 23 || minutes > 59 || seconds > 59) throw new Error(`'${typed.trim()}' is not a time of day (00:00 to 23:59)`);
    const at = new Date(now);
    at.setUTCHours(hours, minutes, seconds, 0);
    if (at > now) at.setUTCDate(at.getUTCDate() - 1);
    return at.toISOString();
  }
  const iso = /^\d{4}-\d{2}-\d{2}([ t]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (iso) {
    const zoned = iso[4] ? text : `${text}${iso[1] ? "" : "t00:00"}z`;
    const at = new Date(zoned.toUpperCase().replace(" ", "T"));
    if (!Number.isNaN(at.getTime())) return at.toISOString();
  }
  throw new Error(`'${typed.trim()}' is not a time; use ${TIME_FORMS}`);
}

/** A time as the after-action record writes it: "2026-12-06 14:32:05Z". */
export function utc(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
