// One operation: its fields, an edit form for operators, and its missions.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { Ago, Badge, ErrorNote, Field, LoadMore, PRIORITIES, QueryState, Select } from "../components/ui";
import { keys, useCursorList } from "../queries";
import { OperationForm } from "./OperationForm";

function NewMission({ operationId }: { operationId: number }) {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [priority, setPriority] = useState<(typeof PRIORITIES)[number]>("medium");
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/missions", { body: { operation_id: operationId, name, priority } })),
    onSuccess: () => {
      setName("");
      void client.invalidateQueries({ queryKey: ["missions", "list"] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <form onSubmit={submit} className="row" aria-label="New mission">
      <Field label="Mission name">
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Select label="Priority" value={priority} options={PRIORITIES} onChange={(v) => v && setPriority(v)} />
      <button type="submit" disabled={create.isPending}>
        Add mission
      </button>
      <ErrorNote error={create.error} />
    </form>
  );
}

export default function OperationDetail() {
  const { id = "" } = useParams();
  const [editing, setEditing] = useState(false);
  const operation = useQuery({
    queryKey: keys.detail("operations", id),
    queryFn: () => unwrap(api.GET("/api/v1/operations/{ref}", { params: { path: { ref: id } } })),
  });
  const missionQuery = { operation_id: Number(id) };
  const missions = useCursorList(keys.list("missions", missionQuery), (cursor) =>
    unwrap(api.GET("/api/v1/missions", { params: { query: { ...missionQuery, cursor } } })),
  );
  const op = operation.data;
  return (
    <QueryState isPending={operation.isPending} error={operation.error}>
      {op && (
        <>
          <p>
            <Link to="/operations">← Operations</Link>
          </p>
          <div className="heading">
            <h1>
              {op.code} · {op.name}
            </h1>
            <Can role="operator">
              <button type="button" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
                Edit
              </button>
            </Can>
          </div>
          {editing ? (
            <OperationForm key={op.version} operation={op} onDone={() => setEditing(false)} />
          ) : (
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <Badge value={op.status} />
              </dd>
              <dt>Priority</dt>
              <dd>
                <Badge value={op.priority} />
              </dd>
              <dt>Commander</dt>
              <dd>{op.commander ?? "—"}</dd>
              <dt>Updated</dt>
              <dd>
                <Ago at={op.updated_at} /> (version {op.version})
              </dd>
              <dt>Description</dt>
              <dd className="prose">{op.description || "—"}</dd>
            </dl>
          )}
          <h2>Missions</h2>
          <Can role="operator">
            <NewMission operationId={op.id} />
          </Can>
          <QueryState isPending={missions.isPending} error={missions.error}>
            <ul className="plain">
              {missions.items.map((m) => (
                <li key={m.id}>
                  <Link to={`/missions/${m.id}`}>{m.name}</Link> <Badge value={m.status} />{" "}
                  <Badge value={m.priority} /> {m.asset_ids.length} assets
                </li>
              ))}
            </ul>
            {missions.items.length === 0 && <p className="muted">No missions yet.</p>}
            <LoadMore {...missions} />
          </QueryState>
        </>
      )}
    </QueryState>
  );
}
