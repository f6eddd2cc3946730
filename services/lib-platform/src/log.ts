import { pino } from "pino";
import { logTraceFields } from "./telemetry.js";

/**
 * Structured JSON logs; every line about a job carries `job_id` (use `logger.child({ job_id })`)
 * and, when tracing is on, the `trace_id` and `span_id` of the span it was written in.
 */
export type Logger = pino.Logger;

/**
 * Where an adapter reports an error it recovers from by itself (a reconnect attempt, a broadcast
 * handler, a background sweep): it is not the caller's to handle, but it must not vanish.
 */
export type ErrorSink = (err: unknown, what: string) => void;

/** Until a logger is wired in: stderr, never silence. */
export const stderrSink: ErrorSink = (err, what) => {
  process.stderr.write(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
};

/** An ErrorSink logging at warn with the error and what failed. */
export const logSink =
  (log: Pick<Logger, "warn">): ErrorSink =>
  (err, what) =>
    log.warn({ err }, what);

export function createLogger(service: string, level = "info"): Logger {
  return pino({ level, base: { service }, mixin: logTraceFields });
}
