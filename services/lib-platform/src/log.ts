import { pino } from "pino";
import { logTraceFields } from "./telemetry.js";

/**
 * Structured JSON logs; every line about a job carries `job_id` (use `logger.child({ job_id })`)
 * and, when tracing is on, the `trace_id` and `span_id` of the span it was written in.
 */
export type Logger = pino.Logger;

export function createLogger(service: string, level = "info"): Logger {
  return pino({ level, base: { service }, mixin: logTraceFields });
}
