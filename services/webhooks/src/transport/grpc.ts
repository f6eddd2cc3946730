import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@clipzy/platform/grpc";
import type { WebhookService } from "@clipzy/proto";
import type { Deliveries } from "../app/deliveries.js";

export function webhooksGrpc(deliveries: Deliveries): ServiceImpl<typeof WebhookService> {
  return {
    async listDeliveries(req) {
      const docs = await deliveries.list(req.tenantId, req.jobId);
      return {
        deliveries: docs.map((d) => ({
          deliveryId: d._id,
          tenantId: d.tenant_id,
          jobId: d.job_id,
          url: d.url,
          state: d.state,
          attempts: d.attempts.map((a) => ({
            attempt: a.attempt,
            at: timestampFromDate(a.at),
            statusCode: a.status_code,
            latencyMs: a.latency_ms,
            error: a.error ?? undefined,
          })),
        })),
      };
    },
  };
}
