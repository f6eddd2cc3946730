/**
 * Load generation for the benchmarks: autocannon with keep-alive connections, and a bare express
 * server in its own process as the baseline (so neither shares an event loop with the load
 * generator or with the engine).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import autocannon from "autocannon";

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `connections` keep-alive clients sending GET `url` for `seconds`. Non-2xx answers count as errors. */
export async function load(url: string, seconds: number, connections = 16): Promise<LoadResult> {
  const r = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
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

/**
 * Runs the engine and the bare baseline alternately `rounds` times (so a burst of load from other
 * processes on the machine hits both alike) and returns the medians.
 */
export async function compareReads(
  engineUrl: string,
  bareUrl: string,
  o: { seconds: number; rounds: number; connections?: number },
): Promise<{ engine: LoadResult; bare: LoadResult }> {
  const runs: { engine: LoadResult[]; bare: LoadResult[] } = { engine: [], bare: [] };
  // a short warm-up of both (JIT, connection pools)
  await load(engineUrl, 1, o.connections);
  await load(bareUrl, 1, o.connections);
  for (let i = 0; i < o.rounds; i++) {
    runs.engine.push(await load(engineUrl, o.seconds, o.connections));
    runs.bare.push(await load(bareUrl, o.seconds, o.connections));
  }
  const med = (rs: LoadResult[]): LoadResult => ({
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
  });
  return { engine: med(runs.engine), bare: med(runs.bare) };
}

export function formatReads(label: string, r: { engine: LoadResult; bare: LoadResult }): string {
  const f = (n: number) => n.toFixed(0);
  const line = (name: string, x: LoadResult) =>
    `  ${name.padEnd(14)} ${f(x.rps).padStart(6)} req/s   p50 ${x.p50.toFixed(1)} ms   p99 ${x.p99.toFixed(1)} ms   errors ${x.errors}`;
  return [
    label,
    line("engine", r.engine),
    line("bare express", r.bare),
    `  engine / bare: ${(r.engine.rps / r.bare.rps).toFixed(2)}× the req/s (goal ≥ 0.40), ${(r.engine.p99 / r.bare.p99).toFixed(1)}× the p99`,
  ].join("\n");
}
