/**
 * A whole styled job against the floor measured in the same run on the same files: a 60 s
 * 1080p30 source (a camera wandering over a landscape-like still, 100 BPM music) and a 60 s
 * template (dissolves on every 5th beat, slow zooms on 2 of 5 shots, 128 BPM), quality "high".
 *
 * floor = bare ffmpeg decoding both inputs to the analysis resolution (what analysis cannot do
 * with less) + one ffmpeg run encoding the job's own filter graph with the same encoder settings
 * (the render with nothing around it). ratio = processing_time_seconds / floor.
 * Run: corepack pnpm exec tsc -b && corepack pnpm exec tsx bench/job.ts
 * Media are generated once and cached under .tmp/bench/.
 */
import { existsSync, mkdirSync, openAsBlob } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { storageKeys } from "../services/lib-contracts/src/keys.js";
import { analysisSize, decodeArgs, probeVideo } from "../services/lib-media/src/frame-decoder.js";
import { EdlSchema } from "../services/lib-models/src/edit/edl.js";
import { runTool, spawnTool } from "../services/lib-platform/src/process.js";
import { renderArgs } from "../services/renderer/src/domain/ffmpeg-args.js";
import { beatFrames, makeEditedClip, type Shot, shotLengths } from "../test/support/edit-media.js";
import { startEngineProcess } from "./support/engine-process.js";
import { formatStageBreakdown } from "./support/stages.js";

const dir = ".tmp/bench";
mkdirSync(dir, { recursive: true });
const source = join(dir, "job-source-1080p30-60s.mp4");
const template = join(dir, "job-template-60s.mp4");
if (!existsSync(source)) {
  console.log("generating", source, "…");
  await makeEditedClip(dir, basename(source), [{ seed: 61, frames: 1800 }], {
    dissolveFrames: 0,
    bpm: 100,
    size: [1920, 1080],
  });
}
if (!existsSync(template)) {
  console.log("generating", template, "…");
  // dissolves centred on every 5th beat of the 128 BPM track (2.34 s apart), 2 of 5 shots zoom
  const shots: Shot[] = shotLengths(beatFrames(128, 5, 1780), 1800, 12).map((frames, k) => ({
    seed: 70 + (k % 9),
    frames,
    zoom: k % 5 === 1 || k % 5 === 3 ? 1.3 : undefined,
  }));
  await makeEditedClip(dir, basename(template), shots, { dissolveFrames: 12, bpm: 128, size: [640, 360] });
}

const seconds = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
};

async function bareDecode(file: string): Promise<number> {
  const info = await probeVideo(file);
  const { width, height } = analysisSize(info.displayWidth, info.displayHeight);
  return seconds(async () => {
    const tool = spawnTool("ffmpeg", decodeArgs(file, { width, height }));
    tool.stdout.on("data", () => {});
    await tool.done;
  });
}

const engine = await startEngineProcess();
try {
  const upload = async (file: string) => {
    const form = new FormData();
    form.set("file", await openAsBlob(file), basename(file));
    const r = await (
      await fetch(`${engine.base}/api/v1/videos/upload`, { method: "POST", body: form })
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
    job = (await (await fetch(`${engine.base}/api/v1/jobs/${jobId}`)).json()).data;
    if (job.status === "completed") break;
    if (job.status !== "queued" && job.status !== "processing") throw new Error(`job ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const result = (await (await fetch(`${engine.base}/api/v1/jobs/${jobId}/result`)).json()).data;
  const storage = join(engine.dir, "data", "storage");
  const edl = EdlSchema.parse(
    JSON.parse(await readFile(join(storage, storageKeys.artifact(jobId, "style_application")), "utf8")),
  );
  const lut = edl.colour.lut_key ? join(storage, edl.colour.lut_key) : null;

  const decodeSource = await bareDecode(source);
  const decodeTemplate = await bareDecode(template);
  const out = join(dir, "job-floor-encode.mp4");
  const encode = await seconds(() =>
    runTool(
      "ffmpeg",
      renderArgs(edl, source, out, lut).filter((a) => a !== "-progress" && a !== "pipe:1"),
    ),
  );
  const floor = decodeSource + decodeTemplate + encode;
  const processing = result.processing_time_seconds as number;
  console.log(
    `edit: ${result.edit.cuts.length} cuts, ${edl.segments.filter((s) => s.zoom.to !== s.zoom.from).length} zooming segments, ` +
      `transition ${result.edit.transitions[0]?.type ?? "none"}, audio ${result.edit.audio}; output ${edl.output.width}×${edl.output.height}, ${result.edit.duration_seconds} s`,
  );
  console.log(
    `floor: decode source ${decodeSource.toFixed(2)} s + decode template ${decodeTemplate.toFixed(2)} s + encode ${encode.toFixed(2)} s = ${floor.toFixed(2)} s`,
  );
  console.log(
    `processing_time_seconds ${processing.toFixed(2)} s vs floor ${floor.toFixed(2)} s: ratio ${(processing / floor).toFixed(2)}× (goal ≤ 1.3×)`,
  );
  console.log(formatStageBreakdown(job, { floorSeconds: floor }));
} finally {
  await engine.stop();
}
