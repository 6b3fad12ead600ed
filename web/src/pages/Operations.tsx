// Operations: filter by status, priority and text; operators create new ones.
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { SearchBox } from "../components/SearchBox";
import { Badge, LoadMore, OPERATION_STATUSES, PRIORITIES, QueryState, Select, ToggleButton } from "../components/ui";
import { listQuery, useFilters } from "../components/useFilters";
import { keys, useCursorList } from "../queries";
import { OperationForm } from "./OperationForm";

export default function Operations() {
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const { values, set } = useFilters(["status", "priority", "q"] as const);
  const query = listQuery(values, ["status", "priority"]);
  const list = useCursorList(keys.list("operations", query), (cursor) =>
    unwrap(api.GET("/api/v1/operations", { params: { query: { ...query, cursor, limit: 50 } } })),
  );
  return (
    <>
      <div className="heading">
        <h1>Operations</h1>
        <Can role="operator">
          <ToggleButton open={creating} onToggle={() => setCreating((c) => !c)} label="New operation" />
        </Can>
      </div>
      {creating && <OperationForm onDone={(op) => navigate(`/operations/${op.id}`)} />}
      <div className="filters" role="search">
        <Select label="Status" value={values.status} options={OPERATION_STATUSES} onChange={(v) => set("status", v)} allowEmpty="any" />
        <Select label="Priority" value={values.priority} options={PRIORITIES} onChange={(v) => set("priority", v)} allowEmpty="any" />
        <SearchBox value={values.q} onChange={(v) => set("q", v)} />
      </div>
      <QueryState isPending={list.isPending} error={list.error}>
        <table>
          <caption className="sr-only">Operations</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col">Commander</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((op) => (
              <tr key={op.id}>
                <td>
                  <Link to={`/operations/${op.id}`}>{op.code}</Link>
                </td>
                <td>{op.name}</td>
                <td>
                  <Badge value={op.status} />
                </td>
                <td>
                  <Badge value={op.priority} />
                </td>
                <td>{op.commander ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.items.length === 0 && <p className="muted">No operation matches.</p>}
        <LoadMore {...list} />
      </QueryState>
    </>
  );
}
