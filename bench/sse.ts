/**
 * Server-Sent Events at scale (prints figures; not a test):
 *   corepack pnpm exec tsx bench/sse.ts        (BENCH_STREAMS=200, BENCH_REST_SECONDS=10)
 * Distributed mode (every service its own process, RabbitMQ, FerretDB, MinIO), no stage workers,
 * so the one job stays at its first stage and nothing but this bench produces events:
 * - CPU at rest: the gateway's and the jobs service's CPU (from /proc) over BENCH_REST_SECONDS
 *   with no stream open, then with BENCH_STREAMS streams open on the job and no events;
 * - push latency: a stage-progress event is published on the broker (as a worker would), and the
 *   time until each open stream has received the resulting SSE event is recorded (every stream,
 *   BENCH_EVENTS events; p50, p99, max).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { routes } from "../services/lib-contracts/src/index.js";
import { connectBroker } from "../services/lib-platform/src/connect.js";
import { publish } from "../services/lib-platform/src/messaging.js";
import { makeClip } from "../test/support/media.js";
import { withDistributed } from "./support/distributed.js";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 10);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 15);

/** CPU milliseconds (user + system) a process has used so far. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function cpuOver(pids: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuMs(p)]));
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = Date.now() - t0;
  return Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, (100 * (cpuMs(p) - before[k])) / wall]));
}

/** One SSE client: calls `onEvent(progress, receivedAt)` for each event's progress_percent. */
function openStream(url: string, signal: AbortSignal, onEvent: (progress: number, at: number) => void) {
  const opened = (async () => {
    const res = await fetch(url, { signal });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
    return res;
  })();
  const done = opened.then(async (res) => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const data = buf
            .slice(0, i)
            .split("\n")
            .find((l) => l.startsWith("data: "));
          if (data) onEvent(JSON.parse(data.slice(6)).progress_percent, performance.now());
          buf = buf.slice(i + 2);
          i = buf.indexOf("\n\n");
        }
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    }
  });
  return { opened, done };
}

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

await withDistributed(
  "sse",
  async ({ cluster, docstore }) => {
    const clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 1, width: 160, height: 90 });
    const jobId = await cluster.createJob({ video_id: await cluster.upload(clip) });
    const pids = {
      gateway: cluster.procs.get("gateway")!.child.pid!,
      jobs: cluster.procs.get("jobs")!.child.pid!,
    };
    const idle = await cpuOver(pids, REST_SECONDS);

    const hangUp = new AbortController();
    const url = `${cluster.base}/api/v1/jobs/${jobId}/events`;
    let waiting: { percent: number; seen: Set<number>; at: number[]; done: () => void } | undefined;
    const streams = Array.from({ length: STREAMS }, (_, n) =>
      openStream(url, hangUp.signal, (percent, at) => {
        if (waiting && percent === waiting.percent && !waiting.seen.has(n)) {
          waiting.seen.add(n);
          waiting.at.push(at);
          if (waiting.seen.size === STREAMS) waiting.done();
        }
      }),
    );
    await Promise.all(streams.map((s) => s.opened));
    await new Promise((r) => setTimeout(r, 1000)); // every stream has read the log so far
    const open = await cpuOver(pids, REST_SECONDS);

    const broker = await connectBroker(cluster.brokerUrl);
    const latencies: number[] = [];
    try {
      // video_analysis owns 1–20%: fraction k/19 is percent 1 + k, one event each
      for (let k = 1; k <= Math.min(EVENTS, 19); k++) {
        const percent = 1 + k;
        const seen = new Promise<void>((done) => {
          waiting = { percent, seen: new Set(), at: [], done };
        });
        const t0 = performance.now();
        await publish(broker, routes.stageProgress, { jobId, stage: "video_analysis", fraction: k / 19 });
        await Promise.race([
          seen,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`event ${percent}% not delivered to all streams in 30 s`)),
              30_000,
            ),
          ),
        ]);
        latencies.push(...waiting!.at.map((at) => at - t0));
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await broker.close();
      hangUp.abort();
      await Promise.allSettled(streams.map((s) => s.done));
    }
    latencies.sort((a, b) => a - b);
    const pct = (r: Record<string, number>) =>
      `gateway ${r.gateway.toFixed(1)}%, jobs ${r.jobs.toFixed(1)}% of a core`;
    console.log(`SSE, distributed mode (${docstore}), ${STREAMS} streams on one job`);
    console.log(`  CPU at rest, no stream open      : ${pct(idle)}  (${REST_SECONDS} s)`);
    console.log(`  CPU at rest, ${STREAMS} streams open : ${pct(open)}`);
    console.log(
      `  progress event published → received by each stream (${latencies.length} deliveries): p50 ${q(latencies, 0.5).toFixed(1)} ms, p99 ${q(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
  },
  { workers: 0 },
);
