// A link to an operation from a row that only has its id (a mission, a correlation cluster).
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { keys } from "../queries";

/** The operation as its own page titles it (code · name); its id until that loads. */
export function OperationLink({ id }: { id: number }) {
  const operation = useQuery({
    queryKey: keys.detail("operations", id),
    queryFn: () => unwrap(api.GET("/api/v1/operations/{ref}", { params: { path: { ref: String(id) } } })),
  });
  const op = operation.data;
  return <Link to={`/operations/${id}`}>{op ? `${op.code} · ${op.name}` : `operation #${id}`}</Link>;
}
