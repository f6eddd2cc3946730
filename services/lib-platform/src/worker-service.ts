import type { StageName } from "@clipzy/contracts";
import type { Broker } from "./broker/port.js";
import type { Logger } from "./log.js";
import type { ObjectStore } from "./objectstore/port.js";
import type { StageHandler } from "./stage-worker.js";

/** What every stage worker service is started with, in one process or alone. */
export interface WorkerDeps {
  broker: Broker;
  store: ObjectStore;
  log: Logger;
  maxDeliveries: number;
  concurrency?: number;
  /** Decorates each stage handler (fault injection in tests, instrumentation). */
  wrapHandler?: (stage: StageName, handler: StageHandler) => StageHandler;
}
