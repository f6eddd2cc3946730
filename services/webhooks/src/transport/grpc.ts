import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@clipzy/platform/grpc";
import type { WebhookService } from "@clipzy/proto";
import type { Deliveries, DeliveryDoc } from "../app/deliveries.js";
import type { ActiveSecret, SigningSecrets } from "../app/secrets.js";

const deliveryProto = (d: DeliveryDoc) => ({
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
});

const secretsProto = (list: ActiveSecret[]) => ({
  secrets: list.map((s) => ({
    secret: s.secret,
    expiresAt: s.expires_at ? timestampFromDate(s.expires_at) : undefined,
  })),
});

export function webhooksGrpc(
  deliveries: Deliveries,
  secrets: SigningSecrets,
): ServiceImpl<typeof WebhookService> {
  return {
    async listDeliveries(req) {
      return { deliveries: (await deliveries.list(req.tenantId, req.jobId)).map(deliveryProto) };
    },
    async replayDelivery(req) {
      return { delivery: deliveryProto(await deliveries.replay(req.tenantId, req.deliveryId)) };
    },
    async getSigningSecrets(req) {
      return secretsProto(await secrets.active(req.tenantId));
    },
    async rotateSigningSecret(req) {
      return secretsProto(await secrets.rotate(req.tenantId));
    },
  };
}
