/**
 * Load generation for the benchmarks: autocannon with keep-alive connections, and a bare express
 * server in its own process as the baseline (so neither shares an event loop with the load
 * generator or with the engine).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import autocannon from "autocannon";
import { snapshot, treeSeconds } from "./proc-cpu.js";

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server's CPU per request (µs; user + system of its process trees, from /proc). */
  cpuUs: number;
}

/**
 * `connections` keep-alive clients sending GET `url` for `seconds`; the CPU the processes `pids`
 * (and their descendants) used meanwhile. Non-2xx answers count as errors.
 */
export async function load(
  url: string,
  seconds: number,
  pids: readonly number[],
  connections = 16,
): Promise<LoadResult> {
  const before = snapshot();
  const r = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  const cpu = treeSeconds(snapshot(), pids) - treeSeconds(before, pids);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    cpuUs: (cpu / Math.max(1, r.requests.total)) * 1e6,
  };
}

export interface BareServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A bare express handler answering GET `path` with `body` (JSON), in its own node process. */
export async function bareExpress(path: string, body: unknown): Promise<BareServer> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bare-express.ts")], {
    env: { ...process.env, BARE_PATH: path, BARE_BODY: JSON.stringify(body) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  return {
    url: `http://127.0.0.1:${port}${path}`,
    child,
    async stop() {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Median of a list of numbers. */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A server under load: its URL and the processes that answer it (for its CPU per request). */
export interface ReadTarget {
  name: string;
  url: string;
  pids: readonly number[];
}

/**
 * Loads each target in turn, `rounds` times (so a burst of load from other processes on the
 * machine hits all alike), and returns each one's medians, by name.
 */
export async function compareReads(
  targets: readonly ReadTarget[],
  o: { seconds: number; rounds: number; connections?: number },
): Promise<Map<string, LoadResult>> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  // a short warm-up of each (JIT, connection pools)
  for (const t of targets) await load(t.url, 1, t.pids, o.connections);
  for (let i = 0; i < o.rounds; i++) {
    for (const t of targets) runs.get(t.name)!.push(await load(t.url, o.seconds, t.pids, o.connections));
  }
  const med = (rs: LoadResult[]): LoadResult => ({
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    cpuUs: median(rs.map((r) => r.cpuUs)),
  });
  return new Map([...runs].map(([name, rs]) => [name, med(rs)]));
}

/** The results, each against `baseline` (one of them): req/s and CPU per request, and p99. */
export function formatReads(label: string, results: Map<string, LoadResult>, baseline: string): string {
  const f = (n: number) => n.toFixed(0);
  const base = results.get(baseline)!;
  const width = Math.max(...[...results.keys()].map((k) => k.length)) + 2;
  const lines = [...results].map(
    ([name, x]) =>
      `  ${name.padEnd(width)} ${f(x.rps).padStart(6)} req/s   p50 ${x.p50.toFixed(1)} ms   p99 ${x.p99.toFixed(1)} ms   ${f(x.cpuUs).padStart(4)} µs CPU per request   errors ${x.errors}`,
  );
  const ratios = [...results]
    .filter(([name]) => name !== baseline)
    .map(
      ([name, x]) =>
        `  ${name} / ${baseline}: ${(x.rps / base.rps).toFixed(2)}× the req/s (goal ≥ 0.40), ${(base.cpuUs / x.cpuUs).toFixed(2)}× by CPU per request, ${(x.p99 / base.p99).toFixed(1)}× the p99`,
    );
  return [label, ...lines, ...ratios].join("\n");
}
