/**
 * Video + motion analysis speed against bare ffmpeg decoding to the same analysis resolution.
 * The video pass (analyzeVideo) decodes once and computes every per-frame feature, the per-pair
 * global-motion estimates included; the motion stage's remaining work (the estimates' blob
 * round trip, then analyzeMotion deriving the motion fields from them) is timed separately.
 * Run: corepack pnpm exec tsx bench/video.ts
 * Generates (and caches) a 60 s 1080p30 H.264 file under .tmp/bench/.
 */
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { probeMedia } from "../services/lib-media/src/ffmpeg.js";
import { analysisSize, decodeArgs } from "../services/lib-media/src/frame-decoder.js";
import { videoStreamInfo } from "../services/lib-media/src/probe.js";
import { analyzeMotion } from "../services/lib-models/src/motion/analyze-motion.js";
import { decodeEstimates, encodeEstimates } from "../services/lib-models/src/video/motion-features.js";
import { SubjectDetector } from "../services/lib-models/src/video/subject.js";
import { spawnTool } from "../services/lib-platform/src/process.js";
import { video1080p } from "./support/video-file.js";

const file = await video1080p();

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const mb = (b: number) => (b / 2 ** 20).toFixed(1);

async function bareDecode(seconds?: number): Promise<number> {
  const info = videoStreamInfo(await probeMedia(file), file);
  const { width, height } = analysisSize(info.displayWidth, info.displayHeight);
  const t0 = performance.now();
  const tool = spawnTool("ffmpeg", decodeArgs(file, { width, height, durationSeconds: seconds }));
  tool.stdout.on("data", () => {});
  await tool.done;
  return (performance.now() - t0) / 1000;
}

async function analysis(seconds?: number) {
  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const { analysis: va, frames } = await analyzeVideo(file, { durationSeconds: seconds });
  const t1 = performance.now();
  // What the two stages do with the estimates: the video stage stores them, the motion stage
  // reads them back and derives the motion fields.
  const blob = encodeEstimates(frames.motion);
  const m = await analyzeMotion(
    { ...frames, motion: decodeEstimates(blob) },
    { transitions: va.transitions },
  );
  const t2 = performance.now();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    va: (t1 - t0) / 1000,
    motion: (t2 - t1) / 1000,
    frames,
    blobBytes: blob.length,
    peak: peakRss,
    m,
    vaRes: va,
  };
}

// Warm-up (JIT, page cache), then three interleaved rounds of decode and analysis, so that load
// from anything else on the machine hits both alike; the medians are compared.
await bareDecode(2);
await analysis(2);
const short = await analysis(20);
const decodes: number[] = [];
const runs: Awaited<ReturnType<typeof analysis>>[] = [];
for (let round = 0; round < 3; round++) {
  decodes.push(await bareDecode());
  runs.push(await analysis());
}
clearInterval(sampler);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dec = median(decodes);
const totals = runs.map((r) => r.va + r.motion);
const full = runs[totals.indexOf(median(totals))];
const total = full.va + full.motion;
const vas = runs.map((r) => r.va);
const vaMed = median(vas);
console.log(
  `input: ${file} (60 s, 1920x1080, 30 fps, H.264); analysis ${full.frames.width}x${full.frames.height}, ${full.frames.count} frames`,
);
console.log(
  `bare ffmpeg decode to ${full.frames.width}x${full.frames.height} rgb24: median ${dec.toFixed(2)} s (runs ${decodes.map((d) => d.toFixed(2)).join(", ")})`,
);
console.log(
  `video pass (decode + all frame features, per-pair motion estimates included): median ${vaMed.toFixed(2)} s (runs ${vas.map((t) => t.toFixed(2)).join(", ")}), ratio ${(vaMed / dec).toFixed(3)}`,
);
console.log(
  `video + motion analysis: median ${total.toFixed(2)} s (video ${full.va.toFixed(2)} s + motion stage's remaining work ${(full.motion * 1000).toFixed(1)} ms; runs ${totals.map((t) => t.toFixed(2)).join(", ")})`,
);
console.log(`ratio (video+motion) / bare decode: ${(total / dec).toFixed(3)}  (goal ≤ 1.3)`);
console.log(
  `peak RSS: 20 s input ${mb(short.peak)} MB, 60 s input ${mb(full.peak)} MB; no frames are kept: the motion estimates blob handed to motion analysis is ${(full.blobBytes / 1024).toFixed(1)} KB (${full.frames.count - 1} pairs), everything else is constant-size`,
);
console.log(
  `results: cuts/10s ${full.vaRes.cut_frequency}, motion_intensity ${full.m.motion_intensity}, zoom_usage ${full.m.zoom_usage}, grade ${JSON.stringify(full.vaRes.grade)}`,
);

// Subject tracking's share: its per-pair detector timed alone on analysis-size frames (the same
// work MotionTracker.push does per pair), against the video pass's time per frame in this run.
{
  const { width: w, height: h, count } = full.frames;
  const detector = new SubjectDetector(w, h);
  const a = new Float32Array(w * h).map((_, i) => 128 + 60 * Math.sin(i / 7) + 40 * Math.cos(i / 131));
  const b = a.map((v, i) => (i % w > 40 && i % w < 60 ? 255 - v : v));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) detector.detect(a, b, { tx: 0.3, ty: 0.1, a: 0, b: 0 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `subject detection: ${s.toFixed(2)} s for ${count} pairs = ${((100 * s) / vaMed).toFixed(1)}% of the video pass (goal with the other analysis additions: ≤ 10%)`,
  );
}
