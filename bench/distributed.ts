/**
 * Distributed-mode scaling per core (prints figures; not a test):
 *   corepack pnpm exec tsx bench/distributed.ts   (BENCH_JOBS=8 concurrent jobs per run)
 * Every service its own process on RabbitMQ, FerretDB and MinIO (scripts/infra.mjs). N concurrent
 * jobs of a short generated clip, run twice:
 * - one instance of each stage worker, all pinned to core 0 (`taskset -c 0`);
 * - then a second instance of each, pinned to core 1.
 * The other services (gateway, jobs, upload, webhooks) and the servers run unpinned, on the same
 * cores in both runs. Prints jobs/minute of each run and their ratio, then each stage's measured
 * per-task CPU time, wall time and queue wait (from the jobs' stage_timings) and the throughput
 * that CPU time allows with N workers, each on a core of its own.
 */
import { join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { STAGE_NAMES } from "../services/lib-contracts/src/stages.js";
import type { Cluster } from "../test/support/cluster.js";
import { makeClip } from "../test/support/media.js";
import { withDistributed } from "./support/distributed.js";

const N = Number(process.env.BENCH_JOBS ?? 8);

interface Run {
  jobsPerMinute: number;
  jobs: any[];
}

async function runJobs(cluster: Cluster, videoId: string): Promise<Run> {
  const t0 = Date.now();
  const ids = await Promise.all(
    Array.from({ length: N }, () => cluster.createJob({ video_id: videoId, config: { quality: "low" } })),
  );
  const jobs = await Promise.all(
    ids.map(async (id) => (await cluster.poll(id, { intervalMs: 250, timeoutMs: 900_000 })).at(-1)),
  );
  const failed = jobs.filter((f) => f.status !== "completed");
  if (failed.length) throw new Error(`${failed.length} jobs did not complete: ${JSON.stringify(failed[0])}`);
  return { jobsPerMinute: (N / (Date.now() - t0)) * 60_000, jobs };
}

/** Per stage: mean CPU per task (ffmpeg + worker), mean wall time and mean queue wait. */
function stageCosts(run: Run) {
  return STAGE_NAMES.map((stage) => {
    const ts = run.jobs.map((j) => j.stage_timings.find((t: any) => t.stage === stage)).filter(Boolean);
    const mean = (f: (t: any) => number) => ts.reduce((s, t) => s + f(t), 0) / ts.length;
    return {
      stage,
      cpu: mean((t) => (t.ffmpeg_cpu_seconds ?? 0) + t.worker_cpu_seconds),
      wall: mean((t) => t.wall_seconds),
      wait: mean((t) => t.queue_wait_seconds),
    };
  });
}

await withDistributed(
  "distributed",
  async ({ cluster, docstore }) => {
    const clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 3, width: 320, height: 180 });
    const videoId = await cluster.upload(clip);
    // metrics ports picked here, as Cluster.start does for its own processes
    const ops = async () => ({ METRICS_PORT: String(await freePort()) });
    for (const stage of STAGE_NAMES) cluster.startWorker(stage, 1, await ops(), "0");
    await cluster.ready();
    // Warm-up: one job through every process.
    await cluster.poll(await cluster.createJob({ video_id: videoId, config: { quality: "low" } }));
    const one = await runJobs(cluster, videoId);
    for (const stage of STAGE_NAMES) cluster.startWorker(stage, 2, await ops(), "1");
    await cluster.ready();
    const two = await runJobs(cluster, videoId);

    const f = (n: number) => n.toFixed(1);
    console.log(
      `distributed mode (${docstore}), ${N} concurrent jobs of a 3 s 320x180 clip (quality low); ` +
        "gateway, jobs, upload, webhooks and the servers unpinned in both runs",
    );
    console.log(`1 instance per stage, all on core 0      : ${f(one.jobsPerMinute)} jobs/min`);
    console.log(
      `2 instances per stage, on cores 0 and 1  : ${f(two.jobsPerMinute)} jobs/min   ratio ${(two.jobsPerMinute / one.jobsPerMinute).toFixed(2)} (goal ≥ 1.7)`,
    );
    const costs = stageCosts(one);
    const waits2 = stageCosts(two);
    console.log(
      "\nper stage (means over the 1-instance run's jobs; queue wait also for the 2-instance run), and the\n" +
        "throughput its CPU time allows with N workers each on its own core (60·N / CPU s per task):",
    );
    const head = [
      "stage",
      "CPU s/task",
      "wall s",
      "wait s (1)",
      "wait s (2)",
      "N=1/min",
      "N=2/min",
      "N=4/min",
      "N=8/min",
    ];
    const row = (c: string[]) =>
      `  ${c[0].padEnd(18)}${c
        .slice(1)
        .map((x) => x.padStart(11))
        .join("")}`;
    console.log(row(head));
    costs.forEach((c, i) => {
      const per = (n: number) => (c.cpu > 0 ? ((60 * n) / c.cpu).toFixed(0) : "∞");
      console.log(
        row([
          c.stage,
          c.cpu.toFixed(3),
          c.wall.toFixed(3),
          c.wait.toFixed(2),
          waits2[i].wait.toFixed(2),
          per(1),
          per(2),
          per(4),
          per(8),
        ]),
      );
    });
    const bottleneck = costs.reduce((a, b) => (b.cpu > a.cpu ? b : a));
    const pipeline = costs.reduce((s, c) => s + c.cpu, 0);
    console.log(
      `  the slowest stage per task is ${bottleneck.stage}; a job's stages take ${pipeline.toFixed(2)} CPU s in all, ` +
        `so N cores shared by every stage allow about ${(60 / pipeline).toFixed(0)}·N jobs/min (measured here: ` +
        `${f(one.jobsPerMinute)} on one core for the workers, ${f(two.jobsPerMinute)} on two)`,
    );
  },
  { workers: 0 },
);
