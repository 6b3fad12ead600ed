// Create or edit an operation. Edits send If-Match with the version read, so a concurrent
// change answers 412 instead of being overwritten.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Operation, type Schemas } from "../api/client";
import { ErrorNote, Field, OPERATION_STATUSES, PRIORITIES, Select } from "../components/ui";
import { keys } from "../queries";

type Draft = Pick<Operation, "name" | "description" | "status" | "priority"> & {
  commander: string;
};

export function OperationForm({
  operation,
  onDone,
}: {
  operation?: Operation;
  onDone: (saved: Operation) => void;
}) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>({
    name: operation?.name ?? "",
    description: operation?.description ?? "",
    status: operation?.status ?? "planned",
    priority: operation?.priority ?? "medium",
    commander: operation?.commander ?? "",
  });
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const save = useMutation({
    mutationFn: () => {
      const body: Schemas["OperationUpdate"] = { ...draft, commander: draft.commander || null };
      return operation
        ? unwrap(
            api.PATCH("/api/v1/operations/{ref}", {
              params: { path: { ref: String(operation.id) }, header: { "if-match": `"${operation.version}"` } },
              body,
            }),
          )
        : unwrap(api.POST("/api/v1/operations", { body: body as Schemas["OperationCreate"] }));
    },
    onSuccess: (saved) => {
      client.setQueryData(keys.detail("operations", saved.id), saved);
      void client.invalidateQueries({ queryKey: ["operations", "list"] });
      onDone(saved);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form onSubmit={submit} className="panel" aria-label={operation ? "Edit operation" : "New operation"}>
      <Field label="Name">
        <input value={draft.name} onChange={(e) => set("name", e.target.value)} required maxLength={200} />
      </Field>
      <Field label="Description">
        <textarea value={draft.description} onChange={(e) => set("description", e.target.value)} rows={3} />
      </Field>
      <div className="row">
        <Select label="Status" value={draft.status} options={OPERATION_STATUSES} onChange={(v) => v && set("status", v)} />
        <Select label="Priority" value={draft.priority} options={PRIORITIES} onChange={(v) => v && set("priority", v)} />
        <Field label="Commander">
          <input value={draft.commander} onChange={(e) => set("commander", e.target.value)} />
        </Field>
      </div>
      <button type="submit" disabled={save.isPending}>
        {operation ? "Save changes" : "Create operation"}
      </button>
      <ErrorNote error={save.error} />
    </form>
  );
}
