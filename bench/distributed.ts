/**
 * Distributed-mode benchmark (prints figures; not a test).
 *   corepack pnpm exec tsx bench/distributed.ts        (BENCH_JOBS=8 by default)
 * Starts RabbitMQ, FerretDB and MinIO (scripts/infra.mjs) and every service as its own process,
 * then:
 * - runs N concurrent jobs of a short generated clip with 1, then 2 instances of each stage
 *   worker, and prints jobs/minute for each and their ratio;
 * - measures the gateway's requests/second and p99 latency on GET /api/v1/jobs/{id} against a bare
 *   express handler on the same machine, in the same run, with the same client loop.
 */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { ensureInfra, startInfra } from "../scripts/infra.mjs";
import { STAGE_NAMES } from "../services/lib-contracts/src/stages.js";
import { Cluster } from "../test/support/cluster.js";
import { makeClip } from "../test/support/media.js";

const N = Number(process.env.BENCH_JOBS ?? 8);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function runJobs(cluster: Cluster, videoId: string): Promise<number> {
  const t0 = Date.now();
  const ids = await Promise.all(
    Array.from({ length: N }, () => cluster.createJob({ video_id: videoId, config: { quality: "low" } })),
  );
  const finals = await Promise.all(
    ids.map(async (id) => (await cluster.poll(id, { intervalMs: 250, timeoutMs: 600_000 })).at(-1)),
  );
  const failed = finals.filter((f) => f.status !== "completed");
  if (failed.length) throw new Error(`${failed.length} jobs did not complete: ${JSON.stringify(failed[0])}`);
  return (N / (Date.now() - t0)) * 60_000;
}

async function load(url: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + LOAD_SECONDS * 1000;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const s = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / ((Date.now() - t0) / 1000), p50: q(0.5), p99: q(0.99), errors };
}

ensureInfra();
const infra = await startInfra({ dir: join(process.cwd(), ".infra", "run", `bench-${process.pid}`) });
let cluster: Cluster | undefined;
try {
  cluster = await Cluster.start({
    infra: { env: infra.env, stateFile: infra.state.file },
    env: { LOG_LEVEL: "warn" },
  });
  const clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 3, width: 320, height: 180 });
  const videoId = await cluster.upload(clip);
  // Warm-up: one job through every process.
  await cluster.poll(await cluster.createJob({ video_id: videoId, config: { quality: "low" } }));

  const one = await runJobs(cluster, videoId);
  for (const stage of STAGE_NAMES) cluster.startWorker(stage, 2);
  await cluster.ready();
  const two = await runJobs(cluster, videoId);

  const jobId = await cluster.createJob({ video_id: videoId, config: { quality: "low" } });
  await cluster.poll(jobId);
  const gateway = await load(`${cluster.base}/api/v1/jobs/${jobId}`);

  const require = createRequire(join(process.cwd(), "services", "gateway", "package.json"));
  const express = require("express");
  const app = express();
  const body = (await cluster.api(`/api/v1/jobs/${jobId}`)).body;
  app.get("/api/v1/jobs/:id", (_req: unknown, res: { json(b: unknown): void }) => res.json(body));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const bare = await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/jobs/${jobId}`);
  server.close();

  const f = (n: number) => n.toFixed(1);
  console.log(
    `distributed mode, ${N} concurrent jobs of a 3 s 320x180 clip (quality low), ${CONCURRENCY} HTTP clients for ${LOAD_SECONDS} s`,
  );
  console.log(`1 instance per stage worker : ${f(one)} jobs/min`);
  console.log(`2 instances per stage worker: ${f(two)} jobs/min   (ratio ${(two / one).toFixed(2)})`);
  console.log(
    `GET /api/v1/jobs/{id} via gateway→gRPC→jobs→FerretDB: ${f(gateway.rps)} req/s, p50 ${f(gateway.p50)} ms, p99 ${f(gateway.p99)} ms, errors ${gateway.errors}`,
  );
  console.log(
    `bare express handler (same body)                : ${f(bare.rps)} req/s, p50 ${f(bare.p50)} ms, p99 ${f(bare.p99)} ms`,
  );
  console.log(
    `gateway / bare: ${(gateway.rps / bare.rps).toFixed(2)}× throughput, ${(gateway.p99 / bare.p99).toFixed(1)}× p99`,
  );
} finally {
  await cluster?.stop();
  await infra.stop();
}
