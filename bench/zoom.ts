/**
 * How smooth and how fast each way of rendering a slow zoom is, measured with the engine's own
 * motion analyser: a textured still zoomed 1.0 → 1.3 over 90 frames (constant rate) by
 *  - zoompan on the frame (integer window position and size: the known jitter),
 *  - zoompan after a 4× upscale (quarter-pixel steps),
 *  - scale to the zoomed size per frame, then crop the output with crop's default centring (the
 *    row that was measured first: crop evaluates that default from the input size it was
 *    configured with, so the window stays anchored where the first frame put it),
 *  - perspective with per-frame corner expressions (sub-pixel bilinear resampling), then scale
 *    (the render's zoom until this release),
 *  - the render's own framing chain (render-graph.ts framingFilters on a one-segment EDL: the box
 *    scaled per frame to whole pixels of a grid of at least ZOOM_GRID columns, the window cropped
 *    out at whole grid pixels), with swscale's bilinear (the render's) and bicubic.
 * Jitter = RMS deviation of the per-pair zoom (ln scale) from the constant truth, and RMS of the
 * per-pair translation (the centre must not move), measured at 640×360 and at 1920×1080 (the job's
 * output; the analyser sees both at 128×72, so one 1080p pixel is 1/15 of its pixel). Speed = 90
 * frames of a 1080p zoom: the filter's own CPU (into a null sink, no encode; median of BENCH_ROUNDS,
 * default 3) and with a veryfast encode, ffmpeg CPU s.
 * Run: flock /tmp/clipzy-bench.lock corepack pnpm exec tsx bench/zoom.ts
 */
import { mkdirSync } from "node:fs";
import { analyzeVideo } from "../services/lib-media/src/analyze-video.js";
import { framingFilters } from "../services/lib-media/src/render-graph.js";
import { makeStill, oneSegmentEdl } from "../services/lib-media/src/test-media.js";
import { analyzeMotion } from "../services/lib-models/src/motion/analyze-motion.js";
import { measureTools, runTool, type ToolUsage } from "../services/lib-platform/src/process.js";

const dir = ".tmp/bench";
mkdirSync(dir, { recursive: true });
const N = 90;
const Z = 1.3;

type Method = (w: number, h: number) => string;
const zExpr = (v: string) => `pow(${Z},${v}/${N - 1})`;
const METHODS: Record<string, Method> = {
  zoompan: (w, h) =>
    `zoompan=z='${zExpr("on")}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=1:s=${w}x${h}:fps=30`,
  "upscale4+zoompan": (w, h) =>
    `scale=iw*4:ih*4:flags=bicubic,zoompan=z='${zExpr("on")}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=1:s=${w}x${h}:fps=30`,
  "scale+crop": (w, h) => {
    const s = zExpr("n");
    return `scale=w='round(${w}*${s})':h='round(${h}*${s})':eval=frame,crop=${w}:${h}:exact=1`;
  },
  perspective: (w, h) => {
    const s = zExpr("on");
    const x0 = `(W-W/${s})/2`;
    const y0 = `(H-H/${s})/2`;
    const x1 = `(W+W/${s})/2`;
    const y1 = `(H+H/${s})/2`;
    return `perspective=x0='${x0}':y0='${y0}':x1='${x1}':y1='${y0}':x2='${x0}':y2='${y1}':x3='${x1}':y3='${y1}':interpolation=linear:eval=frame,scale=${w}:${h}`;
  },
  "render (bilinear)": (w, h) =>
    framingFilters(zoomEdl(w, h), zoomEdl(w, h).segments[0], "bilinear").join(","),
  "render (bicubic)": (w, h) => framingFilters(zoomEdl(w, h), zoomEdl(w, h).segments[0], "bicubic").join(","),
};

/** A one-segment EDL zooming the still's whole frame 1 → Z over N frames, at the same size. */
const zoomEdl = (width: number, height: number) =>
  oneSegmentEdl({ source: { width, height }, frames: N, zoom: { from: 1, to: Z, cx: 0.5, cy: 0.5 } });

/** ffmpeg CPU s of rendering the zoom of the still (yuv420p, as the render's frames are). */
async function render(
  method: Method,
  w: number,
  h: number,
  still: string,
  out: string | null,
): Promise<number> {
  const sink = out ? ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", out] : ["-f", "null", "-"];
  const usage: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
  await measureTools(usage, () =>
    runTool("ffmpeg", [
      ...["-nostdin", "-v", "error", "-y", "-i", still, "-vf"],
      // the still decoded once and repeated in memory, so each method's CPU is its own
      `format=yuv420p,loop=loop=-1:size=1,setpts=N/30/TB,${method(w, h)},format=yuv420p`,
      ...["-r", "30", "-frames:v", String(N), ...sink],
    ]),
  );
  return (usage.cpuMs ?? Number.NaN) / 1000;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rms = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / Math.max(1, xs.length));

/** Zoom and centre jitter of a method's rendering of the still at w×h, read by the motion analyser. */
async function jitter(m: Method, w: number, h: number, still: string, name: string) {
  const out = `${dir}/zoom-${name}-${w}.mp4`;
  await render(m, w, h, still, out);
  const v = await analyzeVideo(out);
  const mo = await analyzeMotion(v.frames, { transitions: v.analysis.transitions });
  const pairs = mo.pairs.filter((p) => p !== null);
  const zoom = rms(pairs.map((p) => Math.log(p.scale) - truth));
  const centre = rms(pairs.map((p) => Math.hypot(p.dx, p.dy) * v.analysis.analysis.width));
  return { zoom, centre, pairs: pairs.length, analysisWidth: v.analysis.analysis.width };
}

const still = `${dir}/zoom-still.png`;
const stillHd = `${dir}/zoom-still-hd.png`;
await makeStill(still, 640, 360, 3);
await makeStill(stillHd, 1920, 1080, 3);
const truth = Math.log(Z) / (N - 1);
console.log(
  `zoom 1.0→${Z} over ${N} frames: truth ${(100 * truth).toFixed(3)} % per frame; costs: median of ${ROUNDS}`,
);
const fmt = (j: Awaited<ReturnType<typeof jitter>>, w: number) =>
  `${(100 * j.zoom).toFixed(3)} %/frame (${(j.zoom / truth).toFixed(2)}×), centre ${j.centre.toFixed(3)} px ` +
  `(${((j.centre * w) / j.analysisWidth).toFixed(2)} output px), ${j.pairs}/${N - 1} pairs`;
const rows: string[] = [];
for (const [name, m] of Object.entries(METHODS)) {
  const small = await jitter(m, 640, 360, still, name);
  const hd = await jitter(m, 1920, 1080, stillHd, name);
  const filter: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // the still looped and converted with no zoom, subtracted from each method's null-sink CPU
    const base = await render(() => "null", 1920, 1080, stillHd, null);
    filter.push((await render(m, 1920, 1080, stillHd, null)) - base);
  }
  const cost = median(filter);
  const encoded = await render(m, 1920, 1080, stillHd, `${dir}/zoom-${name}-hd.mp4`);
  console.log(
    `${name.padEnd(22)} 640×360: ${fmt(small, 640)}; 1080p: ${fmt(hd, 1920)}; ` +
      `1080p ${N} frames: the zoom ${cost.toFixed(2)} CPU s (${((1000 * cost) / N).toFixed(1)} ms/frame; ` +
      `rounds ${filter.map((x) => x.toFixed(2)).join(" ")}), encoded ${encoded.toFixed(2)} s`,
  );
  rows.push(
    `| ${name} | ${(100 * small.zoom).toFixed(3)} (${(small.zoom / truth).toFixed(2)}×) | ${small.centre.toFixed(3)} | ` +
      `${(100 * hd.zoom).toFixed(3)} (${(hd.zoom / truth).toFixed(2)}×) | ${hd.centre.toFixed(3)} | ${((1000 * cost) / N).toFixed(1)} ms/frame |`,
  );
}
console.log(
  "\n| method | 640×360 zoom jitter (%/frame; × the rate) | centre jitter (analysis px) | 1080p zoom jitter | centre jitter | cost at 1080p |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
