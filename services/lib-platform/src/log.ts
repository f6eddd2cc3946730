import { pino } from "pino";

/** Structured JSON logs; every line about a job carries `job_id` (use `logger.child({ job_id })`). */
export type Logger = pino.Logger;

export function createLogger(service: string, level = "info"): Logger {
  return pino({ level, base: { service } });
}
