// Create or edit a mission: its operation (fixed once created), name, objective, status,
// priority, due date, and on creation the assets it starts with.
import { api, unwrap, type Mission, type Schemas } from "../api/client";
import { fromLocalInput, SaveProblems, toLocalInput, useEditor } from "../components/editor";
import { Field, MISSION_STATUSES, PRIORITIES, Select } from "../components/ui";
import { useAllAssets, useAllOperations } from "../lookups";

type Draft = Pick<Mission, "name" | "objective" | "status" | "priority"> & {
  operation_id: string;
  due_at: string;
  asset_ids: string[];
};

export function MissionForm({
  mission,
  operationId,
  onDone,
}: {
  mission?: Mission;
  /** Create the mission in this operation (no operation picker). */
  operationId?: number;
  onDone: (saved: Mission) => void;
}) {
  const creating = !mission;
  const operations = useAllOperations(creating && operationId === undefined).items;
  const assets = useAllAssets();
  const editor = useEditor({
    resource: "missions",
    current: mission,
    toDraft: (m): Draft => ({
      operation_id: String(m?.operation_id ?? operationId ?? ""),
      name: m?.name ?? "",
      objective: m?.objective ?? "",
      status: m?.status ?? "pending",
      priority: m?.priority ?? "medium",
      due_at: toLocalInput(m?.due_at),
      asset_ids: (m?.asset_ids ?? []).map(String),
    }),
    save: (draft, ifMatch) => {
      const body: Schemas["MissionUpdate"] = {
        name: draft.name,
        objective: draft.objective,
        status: draft.status,
        priority: draft.priority,
        due_at: fromLocalInput(draft.due_at),
      };
      if (mission) {
        return unwrap(
          api.PATCH("/api/v1/missions/{ref}", {
            params: { path: { ref: String(mission.id) }, header: { "if-match": ifMatch } },
            body,
          }),
        );
      }
      const created = {
        ...body,
        operation_id: Number(draft.operation_id),
        asset_ids: draft.asset_ids.map(Number),
      } as Schemas["MissionCreate"];
      return unwrap(api.POST("/api/v1/missions", { body: created }));
    },
    onSaved: onDone,
  });
  const { draft, set, errorFor } = editor;
  return (
    <form onSubmit={editor.submit} noValidate className="panel" aria-label={creating ? "New mission" : "Edit mission"}>
      {creating && operationId === undefined && (
        <Field label="Operation" error={errorFor("operation_id")}>
          <select value={draft.operation_id} onChange={(e) => set("operation_id", e.target.value)} required>
            <option value="">choose…</option>
            {operations.map((op) => (
              <option key={op.id} value={op.id}>
                {op.code} · {op.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Name" error={errorFor("name")}>
        <input value={draft.name} onChange={(e) => set("name", e.target.value)} required />
      </Field>
      <Field label="Objective" error={errorFor("objective")}>
        <textarea value={draft.objective} onChange={(e) => set("objective", e.target.value)} rows={3} />
      </Field>
      <div className="row">
        <Select label="Status" value={draft.status} options={MISSION_STATUSES} onChange={(v) => v && set("status", v)} error={errorFor("status")} />
        <Select label="Priority" value={draft.priority} options={PRIORITIES} onChange={(v) => v && set("priority", v)} error={errorFor("priority")} />
        <Field label="Due" error={errorFor("due_at")}>
          <input type="datetime-local" value={draft.due_at} onChange={(e) => set("due_at", e.target.value)} />
        </Field>
      </div>
      {creating && (
        <Field label="Assets (Ctrl/Cmd or Shift to choose several)" error={errorFor("asset_ids")}>
          <select
            multiple
            size={Math.min(6, Math.max(2, assets.items.length))}
            value={draft.asset_ids}
            onChange={(e) => set("asset_ids", Array.from(e.target.selectedOptions, (o) => o.value))}
          >
            {assets.items.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.status})
              </option>
            ))}
          </select>
        </Field>
      )}
      <button type="submit" disabled={editor.saving}>
        {creating ? "Create mission" : "Save changes"}
      </button>
      <SaveProblems editor={editor} what="mission" />
    </form>
  );
}
