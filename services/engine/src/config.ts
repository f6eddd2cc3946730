import { gatewayEnv } from "@clipzy/gateway";
import { jobsEnv } from "@clipzy/jobs";
import { loadConfig } from "@clipzy/platform/config";
import { opsEnv, workerEnv } from "@clipzy/platform/main";
import { mediaLimitsEnv } from "@clipzy/upload";
import { webhooksEnv } from "@clipzy/webhooks";
import { z } from "zod";

/** Embedded-mode configuration: everything has a default, so `npm start` needs none. */
export const EngineConfigSchema = z.object({
  ...gatewayEnv,
  DATA_DIR: z.string().default("./data"),
  ...mediaLimitsEnv,
  ...webhooksEnv,
  ...jobsEnv,
  ...workerEnv,
  DRAIN_TIMEOUT_SECONDS: opsEnv.DRAIN_TIMEOUT_SECONDS,
  /**
   * How long a running stage may finish on SIGTERM before it is released; 0 by default here, as
   * the engine resumes every active job's stage when it starts again.
   */
  STAGE_DRAIN_SECONDS: z.coerce.number().min(0).default(0),
  LOG_LEVEL: opsEnv.LOG_LEVEL,
});

export type EngineConfig = z.infer<typeof EngineConfigSchema>;

export const loadEngineConfig = (vars: Record<string, string | undefined> = process.env) =>
  loadConfig(EngineConfigSchema, vars);
