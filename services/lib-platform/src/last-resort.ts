import type { Logger } from "./log.js";

/**
 * What a process does with an error nothing else caught. Such an error is a bug: it is logged
 * with its context either way. A distributed service then exits (code 1) so that its supervisor
 * restarts it in a clean state; the embedded engine holds every service and every tenant in one
 * process, so it keeps serving rather than be one bad request away from stopping.
 */
export type LastResortPolicy = "exit" | "keep-serving";

export interface LastResortHandlers {
  onRejection(reason: unknown): void;
  onException(err: unknown, origin: string): void;
}

export function lastResortHandlers(
  log: Logger,
  policy: LastResortPolicy,
  exit: (code: number) => void = (code) => process.exit(code),
): LastResortHandlers {
  const handle = (err: unknown, what: string) => {
    if (policy === "exit") {
      log.fatal({ err, pid: process.pid }, `${what}: exiting so the supervisor restarts the service`);
      log.flush?.();
      exit(1);
    } else {
      log.error({ err, pid: process.pid }, `${what}: logged, the engine keeps serving`);
    }
  };
  return {
    onRejection: (reason) => handle(reason, "unhandled promise rejection"),
    onException: (err, origin) => handle(err, `uncaught exception (${origin})`),
  };
}

/** Installs the handlers on this process (once per process: main() calls it first thing). */
export function installLastResort(log: Logger, policy: LastResortPolicy): void {
  const h = lastResortHandlers(log, policy);
  process.on("unhandledRejection", h.onRejection);
  process.on("uncaughtException", h.onException);
}
