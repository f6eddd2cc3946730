/**
 * Analysis in parallel and analysis reuse (prints figures; not a test):
 *   corepack pnpm exec tsx bench/analysis.ts [parallel|reuse|both]   (default both)
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

if (mode === "reuse" || mode === "both") {
  const engine = await startEngineProcess();
  try {
    const api = async (path: string, init?: RequestInit) =>
      (await (await fetch(engine.base + path, init)).json()).data;
    const upload = async (file: string) => {
      const form = new FormData();
      form.set("file", await openAsBlob(file), basename(file));
      return (await api("/api/v1/videos/upload", { method: "POST", body: form })).video_id as string;
    };
    const source2 = await media("source2", "testsrc", true);
    const [s1, s2, t] = [await upload(source), await upload(source2), await upload(template)];
    const job = async (videoId: string) => {
      const created = await api("/api/v1/jobs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ video_id: videoId, template_video_id: t, config: { quality: "high" } }),
      });
      for (;;) {
        const j = await api(`/api/v1/jobs/${created.job_id}`);
        if (j.status === "completed") return { ...j, ...(await api(`/api/v1/jobs/${j.job_id}/result`)) };
        if (j.status !== "queued" && j.status !== "processing") throw new Error(`job ${j.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const first = await job(s1);
    const second = await job(s2);
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
