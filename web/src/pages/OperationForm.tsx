// Create or edit an operation (see useEditor: If-Match, field errors, stale edits).
import { api, unwrap, type Operation, type Schemas } from "../api/client";
import { fromLocalInput, SaveProblems, toLocalInput, useEditor } from "../components/editor";
import { Field, OPERATION_STATUSES, PRIORITIES, Select } from "../components/ui";

type Draft = Pick<Operation, "name" | "description" | "status" | "priority"> & {
  commander: string;
  start_at: string;
  end_at: string;
};

const toDraft = (op: Operation | undefined): Draft => ({
  name: op?.name ?? "",
  description: op?.description ?? "",
  status: op?.status ?? "planned",
  priority: op?.priority ?? "medium",
  commander: op?.commander ?? "",
  start_at: toLocalInput(op?.start_at),
  end_at: toLocalInput(op?.end_at),
});

export function OperationForm({
  operation,
  onDone,
}: {
  operation?: Operation;
  onDone: (saved: Operation) => void;
}) {
  const editor = useEditor({
    resource: "operations",
    current: operation,
    toDraft,
    save: (draft, ifMatch) => {
      const body: Schemas["OperationUpdate"] = {
        ...draft,
        commander: draft.commander || null,
        start_at: fromLocalInput(draft.start_at),
        end_at: fromLocalInput(draft.end_at),
      };
      return operation
        ? unwrap(
            api.PATCH("/api/v1/operations/{ref}", {
              params: { path: { ref: String(operation.id) }, header: { "if-match": ifMatch } },
              body,
            }),
          )
        : unwrap(api.POST("/api/v1/operations", { body: body as Schemas["OperationCreate"] }));
    },
    onSaved: onDone,
  });
  const { draft, set, errorFor } = editor;
  return (
    <form
      onSubmit={editor.submit}
      noValidate
      className="panel"
      aria-label={operation ? "Edit operation" : "New operation"}
    >
      <Field label="Name" error={errorFor("name")}>
        <input value={draft.name} onChange={(e) => set("name", e.target.value)} required />
      </Field>
      <Field label="Description" error={errorFor("description")}>
        <textarea value={draft.description} onChange={(e) => set("description", e.target.value)} rows={3} />
      </Field>
      <div className="row">
        <Select label="Status" value={draft.status} options={OPERATION_STATUSES} onChange={(v) => v && set("status", v)} error={errorFor("status")} />
        <Select label="Priority" value={draft.priority} options={PRIORITIES} onChange={(v) => v && set("priority", v)} error={errorFor("priority")} />
        <Field label="Commander" error={errorFor("commander")}>
          <input value={draft.commander} onChange={(e) => set("commander", e.target.value)} />
        </Field>
        <Field label="Starts" error={errorFor("start_at")}>
          <input type="datetime-local" value={draft.start_at} onChange={(e) => set("start_at", e.target.value)} />
        </Field>
        <Field label="Ends" error={errorFor("end_at")}>
          <input type="datetime-local" value={draft.end_at} onChange={(e) => set("end_at", e.target.value)} />
        </Field>
      </div>
      <button type="submit" disabled={editor.saving}>
        {operation ? "Save changes" : "Create operation"}
      </button>
      <SaveProblems editor={editor} what="operation" />
    </form>
  );
}
