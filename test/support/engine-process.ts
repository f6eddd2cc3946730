/**
 * The embedded engine as `npm start` runs it: its own node process (`services/engine/dist/main.js`),
 * configured only by environment, its output in `<dir>/engine.log`. Started on a picked port
 * through withFreePorts (scripts/infra.mjs): when the port was taken before the engine bound it,
 * it starts again on another.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { withFreePorts } from "../../scripts/infra.mjs";
import { waitFor } from "./wait.js";

const ROOT = join(import.meta.dirname, "..", "..");

export interface EngineProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Its stdout and stderr. */
  log: string;
  /** When it exited, and with what. */
  exited: Promise<{ code: number | null; at: number }>;
}

/**
 * Spawns the engine with `DATA_DIR` under `dir` and waits until /readyz answers 200; `nodeArgs`
 * go before the main file (e.g. `--import` of the telemetry register file).
 */
export function spawnEngine(
  dir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<EngineProcess> {
  const log = join(dir, "engine.log");
  return withFreePorts("the engine", 1, async ([port]: number[]) => {
    const fd = openSync(log, "a");
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(ROOT, "services", "engine", "dist", "main.js")],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", PORT: String(port), DATA_DIR: join(dir, "data"), ...env },
        stdio: ["ignore", fd, fd],
      },
    );
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child.once("exit", (code) => resolve({ code, at: Date.now() })),
    );
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      "the engine's /readyz",
      async () => {
        if (child.exitCode !== null)
          throw new Error(
            `the engine exited (${child.exitCode}) while starting:\n${readFileSync(log, "utf8")}`,
          );
        return fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { intervalMs: 100, detail: () => `log: ${log}` },
    ).catch((err) => {
      child.kill("SIGKILL");
      throw err;
    });
    return { child, base, log, exited };
  });
}
