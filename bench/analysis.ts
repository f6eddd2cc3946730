/**
 * Analysis in parallel and analysis reuse (prints figures; not a test):
 *   corepack pnpm exec tsx bench/analysis.ts [parallel|reuse|parts|both]   (default both: parallel and reuse)
 * Media: a BENCH_SECONDS (default 20) s BENCH_HEIGHT (default 720) p30 testsrc2 source with music
 * and a mandelbrot template of the same size, generated and cached under .tmp/bench/.
 *
 * parallel: the source's and the template's video analysis one after the other (as the stage did)
 *   against side by side (as it does now), BENCH_ROUNDS (default 3) interleaved rounds, medians;
 *   once on every core of this machine and once pinned to one core (taskset -c 0), where running
 *   them side by side can only cost, never gain. With the measured CPU time of each analysis it
 *   also prints the wall time side by side would take with enough free cores (the longer of the two).
 * reuse: the embedded engine (`npm start`'s process); a templated job, then a second job of another
 *   source on the same template: processing_time_seconds of both and their per-stage breakdowns.
 * parts: a templated job (quality low) on an idle embedded engine, each in a fresh engine (so no
 *   analysis comes from the cache), with WORKER_CONCURRENCY=1 (each analysis stage's two tasks,
 *   source and template, one after the other) against 2 (side by side, the default), BENCH_ROUNDS
 *   interleaved rounds, medians: the video_analysis stage's wall and processing_time_seconds, as
 *   ratios. With BENCH_BASELINE_ROOT, a built checkout of an engine from before the split (one
 *   task per stage analysing both inputs side by side), its job is timed in the same rounds too:
 *   the split against that is what it costs on this machine's cores.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, openAsBlob } from "node:fs";
import { basename, resolve } from "node:path";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { runTool } from "../services/lib-platform/src/process.js";
import { startEngineProcess } from "./support/engine-process.js";
import { formatStageBreakdown } from "./support/stages.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const HEIGHT = Number(process.env.BENCH_HEIGHT ?? 720);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WIDTH = Math.round((HEIGHT * 16) / 9 / 2) * 2;
const mode = process.argv[2] ?? "both";

async function media(name: string, video: string, audio: boolean): Promise<string> {
  const file = resolve(`.tmp/bench/analysis-${name}-${HEIGHT}p-${SECONDS}s.mp4`);
  if (existsSync(file)) return file;
  mkdirSync(".tmp/bench", { recursive: true });
  const music = `aevalsrc='0.3*sin(2*PI*110*t)*exp(-6*mod(t,0.5))+0.1*sin(2*PI*330*t)':s=48000:d=${SECONDS}`;
  await runTool("ffmpeg", [
    ...["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", `${video}=s=${WIDTH}x${HEIGHT}:r=30`],
    ...(audio ? ["-f", "lavfi", "-i", music, "-c:a", "aac"] : []),
    ...["-t", String(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"],
    file,
  ]);
  return file;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One video analysis (the stage's decode and features), wall seconds. */
async function analyse(file: string): Promise<number> {
  const t0 = performance.now();
  await analyzeVideo(file, { durationSeconds: SECONDS, frameRate: 30 });
  return (performance.now() - t0) / 1000;
}

async function parallelRounds(files: [string, string]): Promise<void> {
  const seq: number[] = [];
  const par: number[] = [];
  const alone: number[][] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    for (const [i, f] of files.entries()) alone[i].push(await analyse(f));
    seq.push((performance.now() - t) / 1000);
    t = performance.now();
    await Promise.all(files.map(analyse));
    par.push((performance.now() - t) / 1000);
  }
  const [a, b] = alone.map(median);
  console.log(
    JSON.stringify({
      sequential: median(seq),
      parallel: median(par),
      source_alone: a,
      template_alone: b,
    }),
  );
}

async function api(base: string, path: string, init?: RequestInit): Promise<any> {
  return (await (await fetch(base + path, init)).json()).data;
}

async function upload(base: string, file: string): Promise<string> {
  const form = new FormData();
  form.set("file", await openAsBlob(file), basename(file));
  return (await api(base, "/api/v1/videos/upload", { method: "POST", body: form })).video_id;
}

/** A job of `videoId` styled like `templateId`, until completed: the job with its result. */
async function runJob(base: string, videoId: string, templateId: string, quality: string): Promise<any> {
  const created = await api(base, "/api/v1/jobs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ video_id: videoId, template_video_id: templateId, config: { quality } }),
  });
  for (;;) {
    const j = await api(base, `/api/v1/jobs/${created.job_id}`);
    if (j.status === "completed") return { ...j, ...(await api(base, `/api/v1/jobs/${j.job_id}/result`)) };
    if (j.status !== "queued" && j.status !== "processing") throw new Error(`job ${j.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const templatedJob = async (base: string, sourceFile: string, templateFile: string, quality: string) =>
  runJob(base, await upload(base, sourceFile), await upload(base, templateFile), quality);

if (process.env.BENCH_CHILD) {
  await parallelRounds(JSON.parse(process.env.BENCH_CHILD) as [string, string]);
  process.exit(0);
}

const source = await media("source", "testsrc2", true);
const template = await media("template", "mandelbrot", false);

if (mode === "parallel" || mode === "both") {
  const cores = Number(execFileSync("nproc").toString().trim());
  console.log(
    `video_analysis of a ${SECONDS} s ${HEIGHT}p source and a same-size template: one after the other vs side by side (${ROUNDS} interleaved rounds, medians)`,
  );
  for (const pin of [null, "0"]) {
    const args = ["--import", "tsx", ...process.argv.slice(1, 2)];
    const cmd = pin ? ["taskset", ["-c", pin, process.execPath, ...args]] : [process.execPath, args];
    const out = execFileSync(cmd[0] as string, cmd[1] as string[], {
      env: { ...process.env, BENCH_CHILD: JSON.stringify([source, template]) },
    })
      .toString()
      .trim()
      .split("\n")
      .at(-1)!;
    const r = JSON.parse(out) as Record<string, number>;
    const label = pin ? "pinned to 1 core" : `${cores} cores`;
    console.log(
      `  ${label.padEnd(16)} one after the other ${r.sequential.toFixed(2)} s, side by side ${r.parallel.toFixed(2)} s: ${(r.parallel / r.sequential).toFixed(2)}× (source alone ${r.source_alone.toFixed(2)} s, template alone ${r.template_alone.toFixed(2)} s; with a free core each: ≈ ${Math.max(r.source_alone, r.template_alone).toFixed(2)} s, ${(Math.max(r.source_alone, r.template_alone) / r.sequential).toFixed(2)}×)`,
    );
  }
}

if (mode === "parts") {
  const runs: { label: string; env: Record<string, string>; root?: string }[] = [
    { label: "WORKER_CONCURRENCY=1", env: { WORKER_CONCURRENCY: "1" } },
    { label: "WORKER_CONCURRENCY=2", env: { WORKER_CONCURRENCY: "2" } },
  ];
  const baseline = process.env.BENCH_BASELINE_ROOT;
  if (baseline) runs.push({ label: "before the split", env: {}, root: resolve(baseline) });
  const seen = runs.map(() => ({ wall: [] as number[], processing: [] as number[], last: null as any }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, run] of runs.entries()) {
      const engine = await startEngineProcess(run.env, [], run.root);
      try {
        const job = await templatedJob(engine.base, source, template, "low");
        const va = job.stage_timings.find((t: { stage: string }) => t.stage === "video_analysis");
        seen[i].wall.push(va.wall_seconds);
        seen[i].processing.push(job.processing_time_seconds);
        seen[i].last = job;
      } finally {
        await engine.stop();
      }
    }
  }
  console.log(
    `a templated job (${SECONDS} s ${HEIGHT}p source and template, quality low), each in a fresh embedded engine on ${execFileSync("nproc").toString().trim()} cores (${ROUNDS} interleaved rounds, medians)`,
  );
  const [one, two] = seen.map((x) => ({ wall: median(x.wall), processing: median(x.processing) }));
  for (const [i, run] of runs.entries()) {
    const m = { wall: median(seen[i].wall), processing: median(seen[i].processing) };
    console.log(
      `  ${run.label.padEnd(22)} video_analysis ${m.wall.toFixed(2)} s (${(m.wall / one.wall).toFixed(2)}×), processing_time_seconds ${m.processing.toFixed(2)} s (${(m.processing / one.processing).toFixed(2)}×)`,
    );
  }
  console.log(
    `  side by side / one after the other: video_analysis ${(two.wall / one.wall).toFixed(2)}×, job ${(two.processing / one.processing).toFixed(2)}×`,
  );
  if (baseline) {
    const before = { wall: median(seen[2].wall), processing: median(seen[2].processing) };
    console.log(
      `  split (WORKER_CONCURRENCY=2) / before the split: video_analysis ${(two.wall / before.wall).toFixed(2)}×, job ${(two.processing / before.processing).toFixed(2)}×`,
    );
  }
  for (const [i, run] of runs.entries()) {
    console.log(`${run.label}, last round:`);
    console.log(formatStageBreakdown(seen[i].last));
  }
}

if (mode === "reuse" || mode === "both") {
  const engine = await startEngineProcess();
  try {
    const source2 = await media("source2", "testsrc", true);
    const [s1, s2, t] = [
      await upload(engine.base, source),
      await upload(engine.base, source2),
      await upload(engine.base, template),
    ];
    const first = await runJob(engine.base, s1, t, "high");
    const second = await runJob(engine.base, s2, t, "high");
    console.log(
      `templated job (${SECONDS} s ${HEIGHT}p, quality high), then another source on the same template: ${first.processing_time_seconds} s vs ${second.processing_time_seconds} s (${(second.processing_time_seconds / first.processing_time_seconds).toFixed(2)}×); reused: ${JSON.stringify(second.analysis_reused)}`,
    );
    console.log("first job:");
    console.log(formatStageBreakdown(first));
    console.log("second job:");
    console.log(formatStageBreakdown(second));
  } finally {
    await engine.stop();
  }
}
