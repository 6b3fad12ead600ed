// Deleting a record: offered only to the roles the server lets delete it, and done only after
// a confirmation that says what goes with it ("Delete OP-0004 and its 7 missions?"), asked of
// the server (GET …/delete-impact) when the user chooses Delete, so the counts are current.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap, type Role, type Schemas } from "../api/client";
import { Can } from "../auth";
import { keys } from "../queries";
import { ErrorNote } from "./ui";

export type Deletable = "operations" | "missions" | "assets" | "intel";

/** Who may delete what: the server's delete routes (missions and assets are field work). */
export const DELETE_ROLE: Record<Deletable, Role> = {
  operations: "admin",
  missions: "operator",
  assets: "operator",
  intel: "admin",
};

// The server's entity names, as an operator calls them.
const NOUNS: Record<string, [string, string]> = {
  intel: ["report", "reports"],
  correlation: ["correlation cluster", "correlation clusters"],
  position_fix: ["position fix", "position fixes"],
};

/** "7 missions", "1 report"; with ``bare``, one is just "mission" ("and its mission"). */
function counted(entity: string, n: number, bare: boolean): string {
  const [one, many] = NOUNS[entity] ?? [entity, `${entity}s`];
  return n === 1 ? (bare ? one : `1 ${one}`) : `${n} ${many}`;
}

function joined(counts: Record<string, number>, bare = false): string {
  const parts = Object.entries(counts).map(([entity, n]) => counted(entity, n, bare));
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "");
}

/** The confirmation's question, worded as the CLI's and the TUI's ("Delete operation OP-0004
 * and its 7 missions?"), and what stays but loses its link (or null). */
export function deleteQuestion(label: string, impact: Schemas["DeleteImpact"]): [string, string | null] {
  const deletes = impact.deletes ?? {};
  const unlinks = impact.unlinks ?? {};
  const question = Object.keys(deletes).length
    ? `Delete ${label} and its ${joined(deletes, true)}?`
    : `Delete ${label}?`;
  const total = Object.values(unlinks).reduce((a, b) => a + b, 0);
  const note = total ? `${joined(unlinks)} ${total === 1 ? "stays" : "stay"}, without it.` : null;
  return [question, note];
}

// One template for the four resources: their delete and delete-impact routes have the same
// shape (a {ref} in the path, a 204 or a DeleteImpact back).
type RefPath = "/api/v1/operations/{ref}";
const rowPath = (resource: Deletable) => `/api/v1/${resource}/{ref}` as RefPath;
const impactPath = (resource: Deletable) =>
  `/api/v1/${resource}/{ref}/delete-impact` as "/api/v1/operations/{ref}/delete-impact";

function Confirm({
  resource,
  id,
  label,
  onCancel,
  onDeleted,
}: {
  resource: Deletable;
  id: number;
  label: string;
  onCancel: () => void;
  onDeleted: () => void;
}) {
  const client = useQueryClient();
  const labelId = useId();
  const params = { params: { path: { ref: String(id) } } };
  const impact = useQuery({
    queryKey: [resource, "delete-impact", String(id)],
    queryFn: () => unwrap(api.GET(impactPath(resource), params)),
    gcTime: 0, // asked again each time: the counts change
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE(rowPath(resource), params)),
    onSuccess: () => {
      onDeleted();
      client.removeQueries({ queryKey: keys.detail(resource, id) });
      // A cascade changes other resources' rows too; the live events refresh them as well.
      void client.invalidateQueries({ predicate: (q) => q.queryKey[1] === "list" });
      void client.invalidateQueries({ queryKey: keys.dashboard });
    },
  });
  const [question, note] = impact.data ? deleteQuestion(label, impact.data) : [`Delete ${label}?`, null];
  return (
    <div
      role="alertdialog"
      aria-labelledby={labelId}
      className="confirm"
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
      <p id={labelId}>
        <strong>{question}</strong>
      </p>
      {impact.isPending && <p className="muted">Counting what goes with it…</p>}
      {note && <p>{note}</p>}
      <div className="actions">
        <button type="button" className="danger" onClick={() => remove.mutate()} disabled={!impact.data || remove.isPending}>
          Delete
        </button>
        {/* Focus starts on the safe answer. */}
        <button type="button" className="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
      </div>
      <ErrorNote error={impact.error ?? remove.error} />
    </div>
  );
}

/** A Delete button that asks first; ``onDeleted`` leaves the page of the deleted record.
 * ``label`` names it as the CLI and the TUI do (vtoc/cascade.py): "operation OP-0004",
 * "asset 'Hawk-3'". */
export function DeleteButton(props: { resource: Deletable; id: number; label: string; onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  return (
    <Can role={DELETE_ROLE[props.resource]}>
      {asking ? (
        <Confirm {...props} onCancel={() => setAsking(false)} />
      ) : (
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          Delete<span className="sr-only"> {props.label}</span>
        </button>
      )}
    </Can>
  );
}
