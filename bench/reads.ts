/**
 * Status reads (prints figures; not a test):
 *   corepack pnpm exec tsx bench/reads.ts [embedded|distributed|both]   (default both)
 * GET /api/v1/jobs/{id} of a completed job with 16 keep-alive clients (autocannon), against a
 * bare express handler in its own process returning the same body, measured alternately in the
 * same run (BENCH_ROUNDS rounds of BENCH_SECONDS s each, medians): req/s, latency, and each
 * server's CPU per request (/proc; steadier than req/s on a shared machine, so the figure to
 * compare two builds by).
 * - embedded: the engine as `npm start` runs it (rate limiting off); BENCH_BASELINE_ROOT=<a built
 *   checkout of another commit> adds that build's engine to the same alternation;
 * - distributed: every service its own process on RabbitMQ, the MongoDB-protocol server of
 *   scripts/infra.mjs (FERRETDB_BACKEND=postgresql|sqlite, or a real MongoDB via MONGO_URL) and MinIO.
 * BENCH_PROFILE=1 writes CPU profiles to ./profiles: of the engine (embedded), or of every service
 * process (distributed).
 */
import { join } from "node:path";
import { connectDocStore } from "../services/lib-platform/src/connect.js";
import { makeClip } from "../test/support/media.js";
import { withDistributed } from "./support/distributed.js";
import { completedJob, startEngineProcess } from "./support/engine-process.js";
import { bareExpress, compareReads, formatReads, type ReadTarget } from "./support/load.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const mode = process.argv[2] ?? "both";
const profile = process.env.BENCH_PROFILE
  ? ["--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), "profiles")}`]
  : [];

const BARE = "bare express";

/** Reads of `jobId` from each engine, alternating with the bare baseline. */
async function measure(label: string, engines: (ReadTarget & { jobId: string })[]): Promise<void> {
  const path = (jobId: string) => `/api/v1/jobs/${jobId}`;
  const first = engines[0];
  const body = await (await fetch(first.url + path(first.jobId))).json();
  const bare = await bareExpress(path(first.jobId), body);
  try {
    const r = await compareReads(
      [
        ...engines.map((e) => ({ ...e, url: e.url + path(e.jobId) })),
        { name: BARE, url: bare.url, pids: [bare.child.pid!] },
      ],
      { seconds: SECONDS, rounds: ROUNDS },
    );
    console.log(
      formatReads(
        `${label}: GET /api/v1/jobs/{id}, 16 keep-alive clients, ${ROUNDS}×${SECONDS} s alternating, medians`,
        r,
        BARE,
      ),
    );
  } finally {
    await bare.stop();
  }
}

if (mode === "embedded" || mode === "both") {
  const baselineRoot = process.env.BENCH_BASELINE_ROOT;
  const engine = await startEngineProcess({}, profile);
  const baseline = baselineRoot ? await startEngineProcess({}, [], baselineRoot) : undefined;
  try {
    const clip = await makeClip(join(engine.dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
    const engines = [
      {
        name: "engine",
        url: engine.base,
        pids: [engine.child.pid!],
        jobId: await completedJob(engine.base, clip),
      },
    ];
    if (baseline) {
      engines.push({
        name: `baseline (${baselineRoot})`,
        url: baseline.base,
        pids: [baseline.child.pid!],
        jobId: await completedJob(baseline.base, clip),
      });
    }
    await measure("embedded (one process: NeDB, in-process broker, in-process gRPC clients)", engines);
  } finally {
    await baseline?.stop();
    await engine.stop();
  }
}

/**
 * The document store alone, through the same adapter the jobs service uses: 16 concurrent
 * uncached reads by id, then 16 concurrent guarded updates, of job-sized documents.
 */
async function docstoreOps(url: string): Promise<{ reads: number; updates: number }> {
  const docs = await connectDocStore(url);
  try {
    const c = docs.collection<{ _id: string; n: number; [k: string]: unknown }>("bench_docs");
    const style = { beats: Array.from({ length: 100 }, (_, i) => ({ t: i / 2, s: 0.5 })) };
    for (let i = 0; i < 50; i++) await c.insertOne({ _id: `d${i}`, n: 0, tenant_id: "t", style });
    const rate = async (op: (i: number) => Promise<unknown>) => {
      let n = 0;
      const end = Date.now() + SECONDS * 1000;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (Date.now() < end) await op(n++ % 50);
        }),
      );
      return n / ((Date.now() - t0) / 1000);
    };
    const reads = await rate((i) => c.findOne({ _id: `d${i}`, tenant_id: "t" }));
    const updates = await rate((i) => c.updateOne({ _id: `d${i}`, n: { $gte: 0 } }, { $inc: { n: 1 } }));
    return { reads, updates };
  } finally {
    await docs.close();
  }
}

if (mode === "distributed" || mode === "both") {
  // both FerretDB backends in one run, unless one (or a real MongoDB via MONGO_URL) is chosen
  const backends =
    process.env.FERRETDB_BACKEND || process.env.MONGO_URL ? [undefined] : ["postgresql", "sqlite"];
  for (const backend of backends) {
    if (backend) process.env.FERRETDB_BACKEND = backend;
    await withDistributed(
      "reads",
      async ({ cluster, docstore, serverPids }) => {
        const clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
        // the engine's CPU: every service process and every server
        const pids = [...[...cluster.procs.values()].map((p) => p.child.pid!), ...Object.values(serverPids)];
        await measure(`distributed (every service its own process; ${docstore})`, [
          { name: "engine", url: cluster.base, pids, jobId: await completedJob(cluster.base, clip) },
        ]);
        const ops = await docstoreOps(cluster.mongoUrl);
        console.log(
          `  ${docstore} alone, 16 concurrent: ${ops.reads.toFixed(0)} reads/s by id, ${ops.updates.toFixed(0)} guarded updates/s`,
        );
      },
      { nodeArgs: profile },
    );
  }
}
