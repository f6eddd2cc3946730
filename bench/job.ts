/**
 * A whole styled job against the floor measured in the same run on the same files: a 60 s
 * 1080p30 source (a camera wandering over a landscape-like still, 100 BPM music) and a 60 s
 * 1080p30 template (dissolves on every 5th beat, slow zooms on 2 of 5 shots, 128 BPM), quality
 * "high".
 *
 * floor (issue 14's definition) = bare ffmpeg decoding both inputs to the analysis resolution
 * (what analysis cannot do with less) + one encode of the source at the job's encoder settings
 * (libx264 preset and CRF, AAC bitrate, frame rate) with a simple `eq` grade; the decodes are
 * timed before the job, the encode after it (it takes those settings from the job's EDL).
 * ratio = processing_time_seconds / floor. After the job it also times the same eq encode of
 * the job's output instead of the source (what x264 pays for the output's content: a zoom costs it
 * far more than a pan), and the job's own filter graph encoded with nothing around it (the
 * render's edit and grade without the engine), so content, edit and engine costs can be told apart.
 * It keeps the job's EDL in .tmp/bench/job-edl.json for bench/render.ts.
 * Run: corepack pnpm exec tsc -b && corepack pnpm exec tsx bench/job.ts
 * Media are generated once and cached under .tmp/bench/.
 */
import { existsSync, mkdirSync, openAsBlob, renameSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { storageKeys } from "../services/lib-contracts/src/keys.js";
import { probeMedia } from "../services/lib-media/src/ffmpeg.js";
import { analysisSize, decodeArgs } from "../services/lib-media/src/frame-decoder.js";
import { videoStreamInfo } from "../services/lib-media/src/probe.js";
import { type EditDecisionList, EdlSchema } from "../services/lib-models/src/edit/edl.js";
import { runTool, spawnTool } from "../services/lib-platform/src/process.js";
import { beatFrames, makeEditedClip, type Shot, shotLengths } from "../test/support/edit-media.js";
import { startEngineProcess } from "./support/engine-process.js";
import { bareRenderArgs, eqEncodeArgs } from "./support/floor.js";
import { formatStageBreakdown } from "./support/stages.js";

const dir = ".tmp/bench";
mkdirSync(dir, { recursive: true });
const panSource = join(dir, "job-source-1080p30-60s.mp4");
const template = join(dir, "job-template-1080p30-60s.mp4");
if (!existsSync(panSource)) {
  console.log("generating", panSource, "…");
  await makeEditedClip(dir, basename(panSource), [{ seed: 61, frames: 1800 }], {
    dissolveFrames: 0,
    bpm: 100,
    size: [1920, 1080],
  });
}
/**
 * BENCH_SOURCE=camera (default): that pan as a camera gives it, drifting by fractions of a pixel
 * (a slow sway and breathing zoom) with temporal sensor noise (BENCH_NOISE, default 5).
 * BENCH_SOURCE=pan: the generated pan itself, whole pixels a frame without noise, which x264
 * encodes at half the cost of any crop, zoom or natural footage of it, so a floor measured on it
 * is not what users' footage costs.
 */
const sourceKind = process.env.BENCH_SOURCE ?? "camera";
const noise = Number(process.env.BENCH_NOISE ?? 5); // the sensor noise's strength (ffmpeg noise=alls)
const source =
  sourceKind === "pan"
    ? panSource
    : join(dir, `job-source-camera${noise === 5 ? "" : `-noise${noise}`}-1080p30-60s.mp4`);
if (!existsSync(source)) {
  console.log("generating", source, "…");
  const d = "(6+5*sin(in/47)+3*sin(in/13))"; // sub-pixel sway, px
  const z = "(14+6*sin(in/71))"; // breathing zoom margin, px
  const persp =
    `perspective=x0='${z}+${d}':y0='${z}+0.6*${d}':x1='W-${z}+${d}':y1='${z}+0.6*${d}':` +
    `x2='${z}+${d}':y2='H-${z}+0.6*${d}':x3='W-${z}+${d}':y3='H-${z}+0.6*${d}':interpolation=cubic:eval=frame`;
  await runTool("ffmpeg", [
    ...["-hide_banner", "-nostdin", "-y", "-i", panSource, "-vf", `${persp},noise=alls=${noise}:allf=t`],
    ...["-c:v", "libx264", "-preset", "fast", "-crf", "16", "-c:a", "copy", `${source}.part.mp4`],
  ]);
  renameSync(`${source}.part.mp4`, source); // a failed run leaves no file that looks complete
}
// dissolves centred on every 5th beat of the 128 BPM track (2.34 s apart), 2 of 5 shots zoom
const templateLengths = shotLengths(beatFrames(128, 5, 1780), 1800, 12);
const templateShots = templateLengths.length;
if (!existsSync(template)) {
  console.log("generating", template, "…");
  const shots: Shot[] = templateLengths.map((frames, k) => ({
    seed: 70 + (k % 9),
    frames,
    zoom: k % 5 === 1 || k % 5 === 3 ? 1.3 : undefined,
  }));
  await makeEditedClip(dir, basename(template), shots, { dissolveFrames: 12, bpm: 128, size: [1920, 1080] });
}

const seconds = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
};

async function bareDecode(file: string): Promise<number> {
  const info = videoStreamInfo(await probeMedia(file), file);
  const { width, height } = analysisSize(info.displayWidth, info.displayHeight);
  return seconds(async () => {
    const tool = spawnTool("ffmpeg", decodeArgs(file, { width, height }));
    tool.stdout.on("data", () => {});
    await tool.done;
  });
}

/** Seconds of the floor's eq encode of `input` (the source, or the job's output). */
async function eqEncode(edl: EditDecisionList, input = source): Promise<number> {
  return seconds(() => runTool("ffmpeg", eqEncodeArgs(edl, input, [join(dir, "job-floor-eq.mp4")])));
}

/**
 * fetch, once more on a connection reset (ECONNRESET, UND_ERR_SOCKET) when the engine is still
 * running: the requests here are idempotent (an upload is retried whole; a reset one stored
 * nothing, the upload service deletes a cut-off upload). Each reset is printed and counted: the
 * cause was not found (see docs/rendering.md), so a run says how often it happened.
 */
let resets = 0;
async function fetchRetrying(url: string, init?: () => Promise<RequestInit>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init ? await init() : undefined);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? "";
      if (attempt >= 3 || !/ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(code) || engine.child.exitCode !== null)
        throw err;
      resets++;
      console.log(`connection reset (${code}) on ${url}, attempt ${attempt}: retrying`);
    }
  }
}

const decodeSource = await bareDecode(source);
const decodeTemplate = await bareDecode(template);
const engine = await startEngineProcess();
try {
  const upload = async (file: string) => {
    const r = await (
      await fetchRetrying(`${engine.base}/api/v1/videos/upload`, async () => {
        const form = new FormData();
        form.set("file", await openAsBlob(file), basename(file));
        return { method: "POST", body: form };
      })
    ).json();
    return r.data.video_id as string;
  };
  const [videoId, templateId] = [await upload(source), await upload(template)];
  const created = await (
    await fetch(`${engine.base}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ video_id: videoId, template_video_id: templateId, config: { quality: "high" } }),
    })
  ).json();
  const jobId = created.data.job_id as string;
  let job: any;
  for (;;) {
    job = (await (await fetchRetrying(`${engine.base}/api/v1/jobs/${jobId}`)).json()).data;
    if (job.status === "completed") break;
    if (job.status !== "queued" && job.status !== "processing") throw new Error(`job ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const result = (await (await fetch(`${engine.base}/api/v1/jobs/${jobId}/result`)).json()).data;
  const storage = join(engine.dir, "data", "storage");
  const edl = EdlSchema.parse(
    JSON.parse(await readFile(join(storage, storageKeys.artifact(jobId, "style_application")), "utf8")),
  );
  // kept for bench/render.ts, which times the graph's parts on the same files
  await writeFile(join(dir, "job-edl.json"), JSON.stringify(edl, null, 2));
  const encode = await eqEncode(edl); // the job's encoder settings come from its EDL
  const graphOut = join(dir, "job-graph-encode.mp4");
  const graph = await seconds(() => runTool("ffmpeg", bareRenderArgs(edl, source, graphOut)));
  // The encoder's cost depends on what it encodes: zoomed frames cost x264 far more than the
  // source's pan. The same eq encode of the job's own output isolates that from the engine's cost.
  const contentEncode = await eqEncode(edl, join(storage, storageKeys.output(jobId)));
  const floor = decodeSource + decodeTemplate + encode;
  const contentFloor = decodeSource + decodeTemplate + contentEncode;
  const processing = result.processing_time_seconds as number;
  const rendering = job.stage_timings.find((t: { stage: string }) => t.stage === "rendering");
  console.log(
    `template: ${templateShots} shots built, ${result.style_json.cut_frequency.toFixed(2)} cuts/10 s read back; ` +
      `edit: ${result.edit.cuts.length} cuts, ${edl.segments.filter((s) => s.zoom.to !== s.zoom.from).length} zooming segments, ` +
      `transition ${result.edit.transitions[0]?.type ?? "none"}, audio ${result.edit.audio}; output ${edl.output.width}×${edl.output.height}, ${result.edit.duration_seconds} s`,
  );
  console.log(
    `floor: decode source ${decodeSource.toFixed(2)} s + decode template ${decodeTemplate.toFixed(2)} s + eq encode ${encode.toFixed(2)} s = ${floor.toFixed(2)} s`,
  );
  console.log(
    `processing_time_seconds ${processing.toFixed(2)} s vs floor ${floor.toFixed(2)} s: ratio ${(processing / floor).toFixed(2)}× (goal ≤ 1.3×)`,
  );
  console.log(
    `the same eq encode of the job's output (its content: zooms, transitions) instead of the source: ${contentEncode.toFixed(2)} s = ` +
      `${(contentEncode / encode).toFixed(2)}× the source's; job / that floor ${(processing / contentFloor).toFixed(2)}×`,
  );
  console.log(
    `the job's own filter graph (edit + grade) encoded alone: ${graph.toFixed(2)} s = ${(graph / encode).toFixed(2)}× the eq encode; ` +
      `the rendering stage took ${rendering.wall_seconds.toFixed(2)} s of wall = ${(rendering.wall_seconds / graph).toFixed(2)}× that`,
  );
  console.log(formatStageBreakdown(job, { floorSeconds: floor }));
  console.log(`connection resets retried: ${resets}`);
} finally {
  await engine.stop();
}
