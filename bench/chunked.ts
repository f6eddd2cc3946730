/**
 * Chunked rendering (issue 23); prints figures, not a test:
 *   corepack pnpm exec tsc -b && flock /tmp/clipzy-bench.lock corepack pnpm exec tsx bench/chunked.ts
 *   BENCH_SECONDS (180), BENCH_SIZE (1920x1080), BENCH_CHUNK_SECONDS (30), BENCH_QUALITY (high),
 *   BENCH_PARTS (embedded,distributed), BENCH_ROUNDS (1: embedded off/on pairs, interleaved)
 *
 * One templated job (a source of three shots with cuts, a template with dissolves and slow zooms
 * on 2 of 5 shots, as bench/distributed.ts's) of BENCH_SECONDS at BENCH_SIZE:
 * - embedded: the one-process engine with chunking off (RENDER_CHUNK_SECONDS=0) and on
 *   (BENCH_CHUNK_SECONDS), interleaved rounds: the job's processing time and its rendering stage's
 *   wall, and the on/off ratios (goal: on no slower than off within 5 %);
 * - distributed (every service its own process on RabbitMQ, FerretDB, MinIO): the rendering stage's
 *   wall with one renderer instance pinned to core 0 against two pinned to cores 0 and 1 (the other
 *   workers and services unpinned, as on a 2-core machine there is no core to spare: they share the
 *   renderers' cores, so the ratio is understated by their CPU), beside the machine's own ceiling
 *   for it (bench/support/ceiling.ts). The second job has the same inputs: its analyses come from
 *   the content-hash cache, its render is the same work. From the measured per-chunk CPU and the
 *   join's wall it projects the rendering stage with 8 and 32 renderers (a core each) and says where
 *   the join becomes the limit.
 * Media are generated once and cached under .tmp/bench/chunked/.
 */
import { existsSync, mkdirSync, openAsBlob } from "node:fs";
import { basename, join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { STAGE_NAMES } from "../services/lib-contracts/src/stages.js";
import type { Cluster } from "../test/support/cluster.js";
import { beatFrames, makeEditedClip, type Shot, shotLengths } from "../test/support/edit-media.js";
import { machineCeiling } from "./support/ceiling.js";
import { withDistributed } from "./support/distributed.js";
import { startEngineProcess } from "./support/engine-process.js";
import { median } from "./support/load.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
const [W, H] = (process.env.BENCH_SIZE ?? "1920x1080").split("x").map(Number);
const CHUNK = process.env.BENCH_CHUNK_SECONDS ?? "30";
const QUALITY = process.env.BENCH_QUALITY ?? "high";
const PARTS = (process.env.BENCH_PARTS ?? "embedded,distributed").split(",");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const FPS = 30;

const dir = join(".tmp", "bench", "chunked");
mkdirSync(dir, { recursive: true });

async function media(): Promise<{ source: string; template: string }> {
  const total = SECONDS * FPS;
  const source = join(dir, `source-${W}x${H}-${SECONDS}s.mp4`);
  const template = join(dir, `template-${W}x${H}-${SECONDS}s.mp4`);
  if (!existsSync(source)) {
    console.log(`generating ${source} …`);
    const lengths = [Math.round(total * 0.3), Math.round(total * 0.45)];
    const shots: Shot[] = [...lengths, total - lengths[0] - lengths[1]].map((frames, i) => ({
      seed: 200 + i,
      frames,
    }));
    await makeEditedClip(dir, `source-${W}x${H}-${SECONDS}s.mp4`, shots, {
      dissolveFrames: 0,
      bpm: 96,
      seed: 5,
      size: [W, H],
    });
  }
  if (!existsSync(template)) {
    console.log(`generating ${template} …`);
    const shots: Shot[] = shotLengths(beatFrames(128, 5, total - 20), total, 12).map((frames, k) => ({
      seed: 70 + (k % 9),
      frames,
      zoom: k % 5 === 1 || k % 5 === 3 ? 1.3 : undefined,
    }));
    await makeEditedClip(dir, `template-${W}x${H}-${SECONDS}s.mp4`, shots, {
      dissolveFrames: 12,
      bpm: 128,
      size: [W, H],
    });
  }
  return { source, template };
}

interface Cost {
  input: string;
  wall_seconds: number;
  queue_wait_seconds: number;
  ffmpeg_cpu_seconds: number | null;
  worker_cpu_seconds: number;
}
interface RenderCost extends Cost {
  parts: Cost[];
}
interface JobRun {
  processing: number;
  rendering: RenderCost;
}

const api = async (base: string, path: string, init?: RequestInit) =>
  (await fetch(`${base}${path}`, init)).json();
const rendering = (job: any): RenderCost =>
  job.stage_timings.find((t: { stage: string }) => t.stage === "rendering");

/** The embedded engine with RENDER_CHUNK_SECONDS = `chunk`: one job, its processing time and render cost. */
async function embeddedJob(chunk: string, files: { source: string; template: string }): Promise<JobRun> {
  const engine = await startEngineProcess({ RENDER_CHUNK_SECONDS: chunk });
  try {
    const upload = async (file: string, retries = 2): Promise<string> => {
      const form = new FormData();
      form.set("file", await openAsBlob(file), basename(file));
      try {
        return (await api(engine.base, "/api/v1/videos/upload", { method: "POST", body: form })).data
          .video_id;
      } catch (err) {
        // a connection reset by a heavily loaded machine: once more
        if (retries === 0) throw err;
        return upload(file, retries - 1);
      }
    };
    const [videoId, templateId] = [await upload(files.source), await upload(files.template)];
    const body = { video_id: videoId, template_video_id: templateId, config: { quality: QUALITY } };
    const created = await api(engine.base, "/api/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    for (;;) {
      const job = (await api(engine.base, `/api/v1/jobs/${created.data.job_id}`)).data;
      if (job.status === "completed")
        // from its start to its end (the job's processing time is not in a status read)
        return {
          processing: (Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000,
          rendering: rendering(job),
        };
      if (job.status !== "queued" && job.status !== "processing") throw new Error(JSON.stringify(job));
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await engine.stop();
  }
}

const f2 = (x: number) => x.toFixed(2);
const f1 = (x: number) => x.toFixed(1);
const cpuOf = (c: Cost) => (c.ffmpeg_cpu_seconds ?? 0) + c.worker_cpu_seconds;

async function embedded(files: { source: string; template: string }) {
  const off: JobRun[] = [];
  const on: JobRun[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    off.push(await embeddedJob("0", files));
    on.push(await embeddedJob(CHUNK, files));
  }
  const m = (runs: JobRun[], f: (r: JobRun) => number) => median(runs.map(f));
  const [jobOff, jobOn] = [m(off, (r) => r.processing), m(on, (r) => r.processing)];
  const [renOff, renOn] = [m(off, (r) => r.rendering.wall_seconds), m(on, (r) => r.rendering.wall_seconds)];
  console.log(
    `\n== embedded: ${SECONDS} s ${W}x${H} templated job, quality ${QUALITY}, ${ROUNDS} round(s), medians`,
  );
  console.log(`chunking off: job ${f1(jobOff)} s, rendering stage ${f1(renOff)} s`);
  console.log(
    `chunking on (${CHUNK} s chunks, ${on[0].rendering.parts.length - 1} chunks + join): job ${f1(jobOn)} s, rendering stage ${f1(renOn)} s`,
  );
  console.log(`on / off: job ${f2(jobOn / jobOff)}×, rendering ${f2(renOn / renOff)}× (goal ≤ 1.05×)`);
}

async function distributed(files: { source: string; template: string }) {
  await withDistributed(
    "chunked",
    async ({ cluster }) => {
      const ops = async () => ({ METRICS_PORT: String(await freePort()) });
      for (const stage of STAGE_NAMES) if (stage !== "rendering") cluster.startWorker(stage, 1, await ops());
      cluster.startWorker("rendering", 1, await ops(), "0");
      await cluster.ready();
      const [videoId, templateId] = [
        await cluster.upload(files.source),
        await cluster.upload(files.template),
      ];
      const job = async (c: Cluster) => {
        const id = await c.createJob({
          video_id: videoId,
          template_video_id: templateId,
          config: { quality: QUALITY },
        });
        const last = (await c.poll(id, { intervalMs: 1000, timeoutMs: 3_600_000 })).at(-1);
        if (last.status !== "completed") throw new Error(JSON.stringify(last));
        return rendering(last);
      };
      const one = await job(cluster);
      cluster.startWorker("rendering", 2, await ops(), "1");
      await cluster.ready();
      const two = await job(cluster);
      const ceiling = await machineCeiling(files.source);
      report(one, two, ceiling);
    },
    { workers: 0, env: { RENDER_CHUNK_SECONDS: CHUNK } },
  );
}

/**
 * Each part's span in the stage, from its queue wait and wall (seconds after the stage's first
 * tasks were published; the join's wait counts from its own publication, after the last chunk):
 * chunks that ran side by side overlap.
 */
function timeline(label: string, r: RenderCost) {
  const spans = r.parts.map(
    (p) => `${p.input} ${f1(p.queue_wait_seconds)}→${f1(p.queue_wait_seconds + p.wall_seconds)}`,
  );
  console.log(`${label}: ${spans.join(", ")}`);
}

function report(one: RenderCost, two: RenderCost, ceiling: number) {
  timeline("parts, 1 renderer (queue wait → end, s)", one);
  timeline("parts, 2 renderers (queue wait → end, s)", two);
  const chunks = one.parts.filter((p) => p.input.startsWith("chunk-"));
  const join = one.parts.find((p) => p.input.startsWith("join-"));
  if (!join) throw new Error("the render was not chunked: is the edit shorter than two chunks?");
  const C = chunks.reduce((s, p) => s + cpuOf(p), 0);
  const J = join.wall_seconds;
  console.log(
    `\n== distributed: ${SECONDS} s ${W}x${H} templated job, quality ${QUALITY}, ${CHUNK} s chunks`,
  );
  console.log(
    `rendering stage, 1 renderer on core 0: ${f1(one.wall_seconds)} s; 2 renderers on cores 0 and 1: ${f1(two.wall_seconds)} s`,
  );
  console.log(
    `ratio ${f2(one.wall_seconds / two.wall_seconds)}× (goal ≥ 1.6×); the machine's own ceiling: two libx264 encodes pinned to cores 0 and 1 run ${f2(ceiling)}× the work of one`,
  );
  console.log(
    `per chunk (1 renderer): ${chunks.length} chunks, CPU ${f1(C / chunks.length)} s each (ffmpeg + worker; sum ${f1(C)} s), wall ${f1(median(chunks.map((p) => p.wall_seconds)))} s median`,
  );
  console.log(
    `join (download the chunks, render the audio, concat -c copy, mux, store, measure the output's style): wall ${f1(J)} s, CPU ${f1(cpuOf(join))} s`,
  );
  // N renderers, a core each, the edit cut into N chunks: the chunks' CPU shared out (per-chunk
  // overhead taken as measured at this chunk size), then the join.
  for (const n of [1, 2, 8, 32]) {
    const t = C / n + J;
    console.log(
      `projected rendering stage with ${n} renderers: ${f1(t)} s (${f2((C + J) / t)}× one renderer; RENDER_CHUNK_SECONDS ≤ ${f1(SECONDS / n)})`,
    );
  }
  console.log(
    `the join becomes the limit (chunks' share C/N below the join's J) from N = C / J = ${f1(C / J)} renderers; the speed-up is bounded by (C + J) / J = ${f1((C + J) / J)}×`,
  );
}

const files = await media();
if (PARTS.includes("embedded")) await embedded(files);
if (PARTS.includes("distributed")) await distributed(files);
