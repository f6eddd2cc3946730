import { env, loadConfig } from "@clipzy/platform/config";
import { mediaLimitsEnv } from "@clipzy/upload";
import { z } from "zod";

/** Embedded-mode configuration: everything has a default, so `npm start` needs none. */
export const EngineConfigSchema = z.object({
  PORT: env.port(8000),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default("./data"),
  MAX_UPLOAD_BYTES: env.int(2 * 1024 ** 3, 1),
  ...mediaLimitsEnv,
  /** `token:tenant` pairs, comma separated. Empty: open single-tenant mode, loopback only. */
  API_KEYS: env.list(),
  /** Requests a minute per bearer token (per client address in open mode); 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: env.int(600, 0),
  /** How long a rotated-out webhook signing secret keeps signing (both signatures are sent). */
  WEBHOOK_ROTATION_GRACE_SECONDS: env.int(24 * 3600, 0),
  /** IPs/CIDRs webhooks may target although private or loopback. */
  WEBHOOK_ALLOW_LIST: env.list(),
  WEBHOOK_RETRY_BASE_MS: env.int(2000, 1),
  WEBHOOK_TIMEOUT_MS: env.int(10_000, 1),
  STAGE_MAX_DELIVERIES: env.int(5, 1),
  /** Tasks each stage worker runs at once; unset: 2 for the analysis stages (a job's two parts), else 1. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** After SIGTERM the process exits within this many seconds, whatever is still open. */
  DRAIN_TIMEOUT_SECONDS: z.coerce.number().positive().default(25),
  /**
   * How long a running stage may finish on SIGTERM before it is released; 0 by default here, as
   * the engine resumes every active job's stage when it starts again.
   */
  STAGE_DRAIN_SECONDS: z.coerce.number().min(0).default(0),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type EngineConfig = z.infer<typeof EngineConfigSchema>;

export const loadEngineConfig = (vars: Record<string, string | undefined> = process.env) =>
  loadConfig(EngineConfigSchema, vars);
