// "I saw it": acknowledges a report once (a second ack answers with the first), then says
// who acknowledged it and when. The watch and the report lists refresh without it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { Can } from "../auth";
import { keys } from "../queries";
import { utc } from "../when";
import { ErrorNote } from "./ui";

export function AckButton({ reportId, title }: { reportId: number; title: string }) {
  const client = useQueryClient();
  const ack = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/intel/{report_id}/ack", { params: { path: { report_id: reportId } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.watch });
      void client.invalidateQueries({ queryKey: ["intel", "list"] });
    },
  });
  return (
    <Can role="operator">
      <span className="ack">
        {ack.data ? (
          <span role="status">
            Acknowledged by {ack.data.acked_by} at {utc(ack.data.acked_at)}
          </span>
        ) : (
          <button type="button" onClick={() => ack.mutate()} disabled={ack.isPending} aria-label={`Acknowledge '${title}'`}>
            Ack
          </button>
        )}
        <ErrorNote error={ack.error} />
      </span>
    </Can>
  );
}
