import type { Broker } from "@clipzy/platform/broker";
import { env } from "@clipzy/platform/config";
import type { DocStore } from "@clipzy/platform/docstore";
import { connect, type Endpoint, type ServedGrpc, serveGrpc } from "@clipzy/platform/grpc";
import type { Health } from "@clipzy/platform/health";
import type { Logger } from "@clipzy/platform/log";
import { JobService, WebhookService } from "@clipzy/proto";
import { sendWebhook } from "./adapters/http-sender.js";
import { Deliveries, type DeliveryDoc } from "./app/deliveries.js";
import { type SecretDoc, SigningSecrets } from "./app/secrets.js";
import { addressPolicy } from "./domain/address.js";
import { consumeTerminalEvents } from "./transport/events.js";
import { webhooksGrpc } from "./transport/grpc.js";

/** How often the store is searched for deliveries this instance was not told of (lapsed claims, other instances' retries). */
const SWEEP_MS = 5_000;

/** The webhook settings with their defaults (the webhooks main and the engine). */
export const webhooksEnv = {
  /** How long a rotated-out signing secret keeps signing (both signatures are sent). */
  WEBHOOK_ROTATION_GRACE_SECONDS: env.int(24 * 3600, 0),
  /** IPs/CIDRs webhooks may target although private or loopback. */
  WEBHOOK_ALLOW_LIST: env.list(),
  WEBHOOK_RETRY_BASE_MS: env.int(2000, 1),
  WEBHOOK_TIMEOUT_MS: env.int(10_000, 1),
};

export interface WebhooksServiceDeps {
  broker: Broker;
  docs: DocStore;
  log: Logger;
  /** The jobs service: host:port, or its in-process client. */
  jobs: Endpoint<typeof JobService>;
  host: string;
  port: number;
  /** How long a rotated-out signing secret keeps signing. */
  rotationGraceSeconds: number;
  /** IPs or CIDRs admitted even though private/loopback. */
  allowList: string[];
  retryBaseMs: number;
  timeoutMs: number;
  /** Serves grpc.health.v1 on the gRPC port when given. */
  health?: Health;
  /** On stop, running calls get this long to finish. */
  drainMs?: number;
}

export type Running = ServedGrpc<typeof WebhookService>;

export async function start(deps: WebhooksServiceDeps): Promise<Running> {
  const jobs = connect(JobService, deps.jobs);
  const allowed = addressPolicy(deps.allowList);
  const secrets = new SigningSecrets(
    deps.docs.collection<SecretDoc>("webhook_secrets"),
    deps.rotationGraceSeconds,
  );
  const deliveries = new Deliveries({
    deliveries: deps.docs.collection<DeliveryDoc>("webhook_deliveries"),
    send: (url, body, headers) => sendWebhook(url, body, headers, allowed, deps.timeoutMs),
    secrets: async (tenantId) => (await secrets.active(tenantId)).map((s) => s.secret),
    retryBaseMs: deps.retryBaseMs,
    leaseMs: 2 * deps.timeoutMs + 5000,
    log: deps.log,
  });
  await deliveries.init();
  const served = await serveGrpc(WebhookService, webhooksGrpc(deliveries, secrets), {
    name: "webhooks",
    ...deps,
  });
  const events = await consumeTerminalEvents(deps.broker, jobs, deliveries);
  deliveries.start(SWEEP_MS);
  return {
    ...served,
    async stop() {
      deliveries.stop();
      await events.cancel();
      await served.stop();
      jobs.close();
    },
  };
}
