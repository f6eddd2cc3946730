/**
 * What tracing costs (prints figures; not a test).
 *   corepack pnpm exec tsx bench/telemetry.ts     (BENCH_LOAD_SECONDS=5, BENCH_CONCURRENCY=8, BENCH_ROUNDS=2)
 * Runs the embedded engine as its own process, always with `--import` of the telemetry register
 * file, in interleaved rounds: tracing off (no OTEL_* variable: the register file loads nothing)
 * and tracing on (OTLP/HTTP protobuf to an in-process receiver, every span sampled). For each it
 * measures the time from spawn to /readyz 200 and GET /api/v1/videos (gateway → gRPC → upload →
 * NeDB) under a closed loop of concurrent clients, and prints the medians and on/off ratios.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { startOtlpReceiver } from "../test/support/otlp.js";

const ROOT = join(import.meta.dirname, "..");
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Run {
  startupMs: number;
  rps: number;
  p50: number;
  p99: number;
}

async function run(otel: Record<string, string>): Promise<Run> {
  const port: number = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), "clipzy-bench-otel-"));
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      join(ROOT, "services/lib-platform/dist/telemetry-register.js"),
      join(ROOT, "services/engine/dist/main.js"),
    ],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        PORT: String(port),
        DATA_DIR: dir,
        LOG_LEVEL: "warn",
        RATE_LIMIT_PER_MINUTE: "0",
        ...otel,
      },
      stdio: "ignore",
    },
  );
  try {
    while (
      !(await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      await sleep(20);
    const startupMs = performance.now() - t0;
    const latencies: number[] = [];
    const end = Date.now() + LOAD_SECONDS * 1000;
    const l0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          const s = performance.now();
          const res = await fetch(`${base}/api/v1/videos`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`GET /api/v1/videos: ${res.status}`);
          latencies.push(performance.now() - s);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return { startupMs, rps: latencies.length / ((Date.now() - l0) / 1000), p50: q(0.5), p99: q(0.99) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const otlp = await startOtlpReceiver();
const off: Run[] = [];
const on: Run[] = [];
for (let i = 0; i < ROUNDS; i++) {
  off.push(await run({}));
  on.push(await run({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: "500" }));
}
await otlp.close();
const m = (runs: Run[], k: keyof Run) => median(runs.map((r) => r[k]));
const f = (x: number) => x.toFixed(1);
console.log(`rounds ${ROUNDS}, ${CONCURRENCY} clients × ${LOAD_SECONDS} s, GET /api/v1/videos (medians)`);
console.log(
  `tracing off: start ${f(m(off, "startupMs"))} ms, ${f(m(off, "rps"))} req/s, p50 ${f(m(off, "p50"))} ms, p99 ${f(m(off, "p99"))} ms`,
);
console.log(
  `tracing on : start ${f(m(on, "startupMs"))} ms, ${f(m(on, "rps"))} req/s, p50 ${f(m(on, "p50"))} ms, p99 ${f(m(on, "p99"))} ms (${otlp.spans.length} spans received)`,
);
console.log(
  `on / off: ${(m(on, "rps") / m(off, "rps")).toFixed(2)}× throughput, ${(m(on, "p50") / m(off, "p50")).toFixed(2)}× p50, ${(m(on, "startupMs") / m(off, "startupMs")).toFixed(2)}× start-up`,
);
