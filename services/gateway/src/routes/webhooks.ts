import { timestampDate } from "@bufbuild/protobuf/wkt";
import { envelope, isoSeconds } from "@clipzy/contracts";
import type { Delivery, SigningSecret } from "@clipzy/proto";
import type { Router } from "express";
import type { Backends } from "../clients.js";

const deliveryResponse = (d: Delivery) => ({
  delivery_id: d.deliveryId,
  job_id: d.jobId,
  url: d.url,
  state: d.state,
  attempts: d.attempts.map((a) => ({
    attempt: a.attempt,
    at: a.at ? isoSeconds(timestampDate(a.at)) : null,
    status_code: a.statusCode || null,
    latency_ms: a.latencyMs,
    error: a.error ?? null,
  })),
});

const secretsResponse = (secrets: SigningSecret[]) => ({
  secrets: secrets.map((s) => ({
    secret: s.secret,
    expires_at: s.expiresAt ? isoSeconds(timestampDate(s.expiresAt)) : null,
  })),
});

/** The webhook routes, added to `r` (whose id parameters are checked). */
export function webhookRoutes(r: Router, b: Backends): void {
  r.get("/jobs/:jobId/webhook-deliveries", async (req, res) => {
    await b.jobs.getJob({ tenantId: req.tenantId, jobId: req.params.jobId });
    const { deliveries } = await b.webhooks.listDeliveries({
      tenantId: req.tenantId,
      jobId: req.params.jobId,
    });
    res.json(envelope("Webhook deliveries retrieved", { deliveries: deliveries.map(deliveryResponse) }));
  });

  r.post("/webhook-deliveries/:deliveryId/replay", async (req, res) => {
    const { delivery } = await b.webhooks.replayDelivery({
      tenantId: req.tenantId,
      deliveryId: req.params.deliveryId,
    });
    res.json(envelope("Webhook delivery queued for replay", deliveryResponse(delivery!)));
  });

  r.get("/webhooks/secret", async (req, res) => {
    const { secrets } = await b.webhooks.getSigningSecrets({ tenantId: req.tenantId });
    res.json(envelope("Webhook signing secrets retrieved", secretsResponse(secrets)));
  });

  r.post("/webhooks/secret/rotate", async (req, res) => {
    const { secrets } = await b.webhooks.rotateSigningSecret({ tenantId: req.tenantId });
    res.json(envelope("Webhook signing secret rotated", secretsResponse(secrets)));
  });
}
