/**
 * Status reads (prints figures; not a test):
 *   corepack pnpm exec tsx bench/reads.ts [embedded|distributed|both]   (default both)
 * GET /api/v1/jobs/{id} of a completed job with 16 keep-alive clients (autocannon), against a
 * bare express handler in its own process returning the same body, measured alternately in the
 * same run (BENCH_ROUNDS rounds of BENCH_SECONDS s each, medians).
 * - embedded: the engine as `npm start` runs it (rate limiting off);
 * - distributed: every service its own process on RabbitMQ, the MongoDB-protocol server of
 *   scripts/infra.mjs (FERRETDB_BACKEND=postgresql|sqlite, or a real MongoDB via MONGO_URL) and MinIO.
 * BENCH_PROFILE=1 writes a CPU profile of the engine (embedded) to ./profiles.
 */
import { join } from "node:path";
import { makeClip } from "../test/support/media.js";
import { withDistributed } from "./support/distributed.js";
import { completedJob, startEngineProcess } from "./support/engine-process.js";
import { bareExpress, compareReads, formatReads } from "./support/load.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const mode = process.argv[2] ?? "both";

async function measure(label: string, base: string, jobId: string): Promise<void> {
  const path = `/api/v1/jobs/${jobId}`;
  const body = await (await fetch(base + path)).json();
  const bare = await bareExpress(path, body);
  try {
    const r = await compareReads(base + path, bare.url, { seconds: SECONDS, rounds: ROUNDS });
    console.log(
      formatReads(
        `${label}: GET /api/v1/jobs/{id}, 16 keep-alive clients, ${ROUNDS}×${SECONDS} s alternating, medians`,
        r,
      ),
    );
  } finally {
    await bare.stop();
  }
}

if (mode === "embedded" || mode === "both") {
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), "profiles")}`]
    : [];
  const engine = await startEngineProcess({}, profile);
  try {
    const clip = await makeClip(join(engine.dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
    await measure(
      "embedded (one process: NeDB, in-process broker, gRPC on loopback)",
      engine.base,
      await completedJob(engine.base, clip),
    );
  } finally {
    await engine.stop();
  }
}

if (mode === "distributed" || mode === "both") {
  await withDistributed("reads", async ({ cluster, docstore }) => {
    const clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
    await measure(
      `distributed (every service its own process; ${docstore})`,
      cluster.base,
      await completedJob(cluster.base, clip),
    );
  });
}
