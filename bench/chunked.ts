/**
 * Chunked rendering (issue 23); prints figures, not a test:
 *   corepack pnpm exec tsc -b && flock /tmp/clipzy-bench.lock corepack pnpm exec tsx bench/chunked.ts
 *   BENCH_SECONDS (180), BENCH_SIZE (1920x1080), BENCH_CHUNK_SECONDS (30), BENCH_QUALITY (high),
 *   BENCH_PARTS (embedded,distributed), BENCH_ROUNDS (1: embedded off/on pairs, interleaved),
 *   BENCH_DIST_ROUNDS (2: distributed 1-renderer/2-renderer pairs), BENCH_WARMUP (1: a first
 *   distributed job, not counted)
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
 *   for it (bench/support/ceiling.ts). After a warm-up job (the analyses' cache filled, every
 *   process warm: otherwise the first, 1-renderer job is the only cold one), rounds of a 1-renderer
 *   job and a 2-renderer job (the second renderer started for it and stopped after), same inputs,
 *   the same render work. Sampled every 250 ms during each job: when each renderer had an ffmpeg
 *   child (so whether the chunks ran side by side), its children's affinity, its CPU, and each
 *   core's busy time, which splits the render window's CPU into the renderers' and everyone
 *   else's: the cores the renderers obtained bound the ratio on a shared machine. The join's phases
 *   come from the renderers' log. From the measured per-chunk CPU and the join's wall it projects
 *   the rendering stage with 8 and 32 renderers (a core each) and says where the join becomes the
 *   limit.
 * Media are generated once and cached under .tmp/bench/chunked/.
 */
import { existsSync, mkdirSync, openAsBlob, readFileSync } from "node:fs";
import { basename, join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { STAGE_NAMES } from "../services/lib-contracts/src/stages.js";
import type { Proc } from "../test/support/cluster.js";
import { beatFrames, makeEditedClip, type Shot, shotLengths } from "../test/support/edit-media.js";
import { machineCeiling } from "./support/ceiling.js";
import { withDistributed } from "./support/distributed.js";
import { startEngineProcess } from "./support/engine-process.js";
import { median } from "./support/load.js";
import {
  cpuTimes,
  descendants,
  emptyPlacement,
  observePlacement,
  type Placement,
  snapshot,
  treeSeconds,
} from "./support/proc-cpu.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
const [W, H] = (process.env.BENCH_SIZE ?? "1920x1080").split("x").map(Number);
const CHUNK = process.env.BENCH_CHUNK_SECONDS ?? "30";
const QUALITY = process.env.BENCH_QUALITY ?? "high";
const PARTS = (process.env.BENCH_PARTS ?? "embedded,distributed").split(",");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const DIST_ROUNDS = Number(process.env.BENCH_DIST_ROUNDS ?? 2);
const WARMUP = process.env.BENCH_WARMUP !== "0";
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

/** A renderer instance's samples: when it had an ffmpeg child, its tree's CPU, where it may run. */
interface Track {
  name: string;
  pid: number;
  core: number;
  busy: number[]; // sample times (s) with an ffmpeg child alive
  cpu: { t: number; s: number }[];
  placement: Placement;
}

/**
 * Samples every 250 ms, while `run` runs: for each renderer, whether it has an ffmpeg child (a
 * chunk or the join running), its process tree's CPU, and its children's affinity; and the
 * machine's per-core busy time, so that the rendering window's CPU can be split into the
 * renderers' and everyone else's (other helpers on a shared machine).
 */
async function sampled<T>(renderers: { name: string; pid: number; core: number }[], run: () => Promise<T>) {
  const tracks: Track[] = renderers.map((r) => ({ ...r, busy: [], cpu: [], placement: emptyPlacement() }));
  const cores: { t: number; c: { busy: number }[] }[] = [];
  const t0 = performance.now();
  const sample = () => {
    const t = (performance.now() - t0) / 1000;
    const snap = snapshot();
    for (const tr of tracks) {
      const tree = descendants(snap, [tr.pid]);
      if (tree.some((p) => p !== tr.pid && readComm(p) === "ffmpeg")) tr.busy.push(t);
      tr.cpu.push({ t, s: treeSeconds(snap, [tr.pid]) });
      observePlacement([tr.pid], tr.placement);
    }
    cores.push({ t, c: cpuTimes() });
  };
  const timer = setInterval(sample, 250);
  try {
    return { result: await run(), tracks, cores };
  } finally {
    clearInterval(timer);
  }
}

const readComm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};

/** What the samples say about one job's render: concurrency, the renderers' share of their cores. */
function concurrency(label: string, s: Awaited<ReturnType<typeof sampled>>): number {
  const dt = 0.25;
  const all = s.tracks.flatMap((t) => t.busy);
  if (all.length === 0) {
    console.log(`${label}: no ffmpeg child seen`);
    return Number.NaN;
  }
  const [from, to] = [Math.min(...all), Math.max(...all)];
  const times = new Set(all.map((t) => t.toFixed(2)));
  const both = [...times].filter((t) => s.tracks.every((tr) => tr.busy.some((b) => b.toFixed(2) === t)));
  const at = <X extends { t: number }>(xs: X[], t: number) =>
    xs.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best));
  const window = to - from + dt;
  const cpuIn = (tr: Track) => at(tr.cpu, to).s - at(tr.cpu, from).s;
  console.log(
    `${label}: render window ${f1(window)} s (first to last ffmpeg child), ` +
      (s.tracks.length > 1 ? `both renderers rendering at once ${f1(both.length * dt)} s; ` : "") +
      s.tracks
        .map((tr) => {
          const cpu = cpuIn(tr);
          const [c0, c1] = [at(s.cores, from).c[tr.core], at(s.cores, to).c[tr.core]];
          const coreBusy = c1.busy - c0.busy;
          return (
            `${tr.name} (may run on ${[...tr.placement.allowed].join("/")}, ran on ${[...tr.placement.ranOn].join("/")}): ` +
            `busy ${f1(tr.busy.length * dt)} s, CPU ${f1(cpu)} s = ${f2(cpu / (to - from + dt))} of core ${tr.core}, ` +
            `which was busy ${f2(coreBusy / (to - from + dt))} (others: ${f2(Math.max(0, coreBusy - cpu) / (to - from + dt))})`
          );
        })
        .join("; "),
  );
  // the cores the renderers obtained over the window (the rest went to everything else)
  return s.tracks.reduce((sum, tr) => sum + cpuIn(tr), 0) / window;
}

/** The join's phases, from the renderers' logs (the stage logs them at info level). */
function joinPhases(logs: string[], jobId: string): string {
  for (const log of logs) {
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (!line.includes('"join phases"') || !line.includes(jobId)) continue;
      const p = JSON.parse(line);
      return `fetch + audio ${f1(p.fetch_audio_seconds)} s, concat + mux ${f1(p.concat_seconds)} s, store + measure the output ${f1(p.publish_seconds)} s`;
    }
  }
  return "not logged";
}

async function distributed(files: { source: string; template: string }) {
  await withDistributed(
    "chunked",
    async ({ cluster }) => {
      const ops = async () => ({ METRICS_PORT: String(await freePort()) });
      for (const stage of STAGE_NAMES) if (stage !== "rendering") cluster.startWorker(stage, 1, await ops());
      // the renderers log at info: the join's phases
      const renderer = async (i: number) =>
        cluster.startWorker("rendering", i, { ...(await ops()), LOG_LEVEL: "info" }, String(i - 1));
      const r1 = await renderer(1);
      await cluster.ready();
      const [videoId, templateId] = [
        await cluster.upload(files.source),
        await cluster.upload(files.template),
      ];
      const job = async (renderers: Proc[], label: string) => {
        const run = await sampled(
          renderers.map((p, i) => ({ name: p.name, pid: p.child.pid!, core: i })),
          async () => {
            const id = await cluster.createJob({
              video_id: videoId,
              template_video_id: templateId,
              config: { quality: QUALITY },
            });
            const last = (await cluster.poll(id, { intervalMs: 1000, timeoutMs: 3_600_000 })).at(-1);
            if (last.status !== "completed") throw new Error(JSON.stringify(last));
            return { id, cost: rendering(last) };
          },
        );
        concurrency(label, run);
        console.log(
          `${label}: join phases: ${joinPhases(
            renderers.map((p) => p.log),
            run.result.id,
          )}`,
        );
        return run.result.cost;
      };
      // a first job, not counted: the analyses' cache filled, every process and page cache warm
      // (the first run's 1-renderer render was otherwise the only cold one)
      if (WARMUP) await job([r1], "warm-up job, 1 renderer");
      const ones: Measured[] = [];
      const twos: Measured[] = [];
      for (let round = 0; round < DIST_ROUNDS; round++) {
        ones.push(await job([r1], `round ${round + 1}, 1 renderer`));
        const r2 = await renderer(2);
        await cluster.ready();
        twos.push(await job([r1, r2], `round ${round + 1}, 2 renderers`));
        await cluster.kill(r2.name, "SIGTERM");
      }
      const ceiling = await machineCeiling(files.source);
      report(ones, twos, ceiling);
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

/** A measured job's render cost and the cores its renderers obtained over the render window. */
type Measured = RenderCost & { cores: number };

function report(ones: Measured[], twos: Measured[], ceiling: number) {
  for (const [i, r] of ones.entries()) timeline(`parts, round ${i + 1}, 1 renderer (queue wait → end, s)`, r);
  for (const [i, r] of twos.entries())
    timeline(`parts, round ${i + 1}, 2 renderers (queue wait → end, s)`, r);
  const one = ones[ones.length - 1];
  const chunksOf = (r: RenderCost) => r.parts.filter((p) => p.input.startsWith("chunk-"));
  const joinOf = (r: RenderCost) => r.parts.find((p) => p.input.startsWith("join-"));
  if (!joinOf(one)) throw new Error("the render was not chunked: is the edit shorter than two chunks?");
  const all = [...ones, ...twos];
  // per-chunk CPU and the join's wall: medians over every measured job (the same work each time)
  const C = median(all.map((r) => chunksOf(r).reduce((s, p) => s + cpuOf(p), 0)));
  const J = median(all.map((r) => joinOf(r)!.wall_seconds));
  const n = chunksOf(one).length;
  const [w1, w2] = [median(ones.map((r) => r.wall_seconds)), median(twos.map((r) => r.wall_seconds))];
  console.log(
    `\n== distributed: ${SECONDS} s ${W}x${H} templated job, quality ${QUALITY}, ${CHUNK} s chunks, ${ones.length} round(s), medians`,
  );
  console.log(
    `rendering stage, 1 renderer on core 0: ${f1(w1)} s (${ones.map((r) => f1(r.wall_seconds)).join(", ")}); 2 renderers on cores 0 and 1: ${f1(w2)} s (${twos.map((r) => f1(r.wall_seconds)).join(", ")})`,
  );
  console.log(
    `ratio ${f2(w1 / w2)}× (goal ≥ 1.6×; per round ${ones.map((r, i) => f2(r.wall_seconds / twos[i].wall_seconds)).join(", ")}); the machine's own ceiling: two libx264 encodes pinned to cores 0 and 1 run ${f2(ceiling)}× the work of one`,
  );
  const [c1, c2] = [median(ones.map((r) => r.cores)), median(twos.map((r) => r.cores))];
  console.log(
    `the renderers obtained ${f2(c1)} cores (1 renderer) and ${f2(c2)} cores (2 renderers) over the render window: ${f2(c2 / c1)}× the CPU, which bounds the ratio whatever the code does (the rest of each pinned core went to other processes)`,
  );
  console.log(
    `per chunk: ${n} chunks, CPU ${f1(C / n)} s each (ffmpeg + worker; sum ${f1(C)} s), wall ${f1(median(chunksOf(one).map((p) => p.wall_seconds)))} s median (1 renderer)`,
  );
  console.log(
    `join (download the chunks, render the audio, concat -c copy, mux, store, measure the output's style): wall ${f1(J)} s, CPU ${f1(median(all.map((r) => cpuOf(joinOf(r)!))))} s`,
  );
  console.log(
    `expected from C and J: 1 renderer C + J = ${f1(C + J)} s, 2 renderers C/2 + J = ${f1(C / 2 + J)} s: ${f2((C + J) / (C / 2 + J))}× (the join is serial after the chunks)`,
  );
  // N renderers, a core each, the edit cut into N chunks: the chunks' CPU shared out (per-chunk
  // overhead taken as measured at this chunk size), then the join.
  for (const k of [1, 2, 8, 32]) {
    const t = C / k + J;
    console.log(
      `projected rendering stage with ${k} renderers: ${f1(t)} s (${f2((C + J) / t)}× one renderer; RENDER_CHUNK_SECONDS ≤ ${f1(SECONDS / k)})`,
    );
  }
  console.log(
    `the join becomes the limit (chunks' share C/N below the join's J) from N = C / J = ${f1(C / J)} renderers; the speed-up is bounded by (C + J) / J = ${f1((C + J) / J)}×`,
  );
}

const files = await media();
if (PARTS.includes("embedded")) await embedded(files);
if (PARTS.includes("distributed")) await distributed(files);
