/**
 * The one drain of a process (a service alone, or the whole engine): on SIGTERM or SIGINT, once,
 * the exit deadline is armed first (nothing after it, not even a log write to a closed stdout, can
 * stop the exit), then `begin` (e.g. turn unready), the service's own `stop`, then `close` (what
 * outlives the service: the ops server, telemetry), and the exit: 0, or 1 if the stop failed or
 * the deadline passed.
 */
import type { Logger } from "./log.js";
import { shutdownTelemetry } from "./telemetry.js";

export interface DrainConfig {
  /** After SIGTERM the process exits within this many seconds, whatever is still open. */
  DRAIN_TIMEOUT_SECONDS: number;
}

/** How long a service's own stop may wait for running work: the drain deadline less a margin to close. */
export const drainMsOf = (config: DrainConfig) => Math.max(1000, config.DRAIN_TIMEOUT_SECONDS * 1000 - 3000);

export interface DrainSteps {
  log: Pick<Logger, "info" | "error">;
  config: DrainConfig;
  /** Runs first, synchronously (e.g. Health.drain: probes and load balancers stop sending work). */
  begin?: () => void;
  /** The service's own stop: stops taking work and lets running work finish within its grace. */
  stop: () => Promise<void>;
  /** After the stop, whatever it gave: what outlives the service. */
  close?: () => Promise<void>;
  /** Defaults to process.exit (tests pass their own). */
  exit?: (code: number) => void;
}

/** The drain as a function of the signal's name; the second and later calls do nothing. */
export function drainer(steps: DrainSteps): (signal: string) => Promise<void> {
  const { log } = steps;
  const exit = steps.exit ?? ((code: number) => process.exit(code));
  let draining: Promise<void> | undefined;
  const drain = async (signal: string) => {
    const deadlineMs = steps.config.DRAIN_TIMEOUT_SECONDS * 1000;
    setTimeout(() => {
      try {
        log.error({ deadline_ms: deadlineMs }, "drain deadline passed; exiting with work still open");
      } finally {
        exit(1);
      }
    }, deadlineMs).unref();
    steps.begin?.();
    log.info({ signal, deadline_ms: deadlineMs }, "draining");
    const code = await steps.stop().then(
      () => 0,
      (err) => {
        log.error({ err }, "drain failed");
        return 1;
      },
    );
    try {
      await steps.close?.();
      await shutdownTelemetry();
    } finally {
      log.info({ code }, "drained");
      exit(code);
    }
  };
  return (signal) => {
    draining ??= drain(signal);
    return draining;
  };
}

/** Drains on SIGTERM and SIGINT. */
export function drainOnSignals(steps: DrainSteps): void {
  const drain = drainer(steps);
  process.on("SIGTERM", () => void drain("SIGTERM"));
  process.on("SIGINT", () => void drain("SIGINT"));
}
