import { queues, routes } from "@clipzy/contracts";
import type { Broker, Subscription } from "@clipzy/platform/broker";
import type { ServiceClient } from "@clipzy/platform/grpc";
import { consumeRoutes, on } from "@clipzy/platform/messaging";
import type { JobService } from "@clipzy/proto";
import type { Deliveries } from "../app/deliveries.js";

/** On each terminal event, read the job's final state and record a delivery for it. */
export function consumeTerminalEvents(
  broker: Broker,
  jobs: ServiceClient<typeof JobService>,
  deliveries: Deliveries,
): Promise<Subscription> {
  return consumeRoutes(
    broker,
    queues.webhookEvents,
    on(routes.jobTerminal, async (m) => {
      const { job } = await jobs.getJob({ tenantId: m.tenantId, jobId: m.jobId }, { timeoutMs: 10_000 });
      if (job) await deliveries.enqueue(job);
    }),
    { prefetch: 4 },
  );
}
