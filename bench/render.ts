/**
 * Where a render's time goes, filter by filter (prints figures; not a test). The EDL a job planned
 * (bench/job.ts keeps its own in .tmp/bench/job-edl.json) is run over its first BENCH_SECONDS
 * (default: all of it) on the same source:
 *  - into a null sink without encoding (the decode and the filter graph, nothing else), as
 *    planned and with one element taken out at a time: zooms held at their start scale, transitions
 *    as cuts (handles dropped), both, no colour transfer, and one branch for the whole output (no
 *    split, trims, concat or xfade: what the per-segment structure costs); the source only decoded;
 *  - encoded: the planned render (libx264 at the EDL's settings) and the floor's `eq` encode.
 * Each element's cost is the CPU its removal saves; its share is of the planned render's CPU. The
 * figure is ffmpeg's CPU time (user + system, all threads: on a shared machine steadier than wall
 * time), median over BENCH_RUNS interleaved rounds (default 1). BENCH_ENCODE=0 skips the encodes.
 * Run: corepack pnpm exec tsx bench/render.ts [edl.json] [source.mp4]
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type EditDecisionList, EdlSchema } from "../services/lib-models/src/edit/edl.js";
import { measureTools, runTool, type ToolUsage } from "../services/lib-platform/src/process.js";
import { bareRenderArgs, eqEncodeArgs } from "./support/floor.js";

const dir = ".tmp/bench";
const edlFile = process.argv[2] ?? join(dir, "job-edl.json");
const source = process.argv[3] ?? join(dir, "job-source-camera-1080p30-60s.mp4"); // bench/job.ts default source
const SECONDS = Number(process.env.BENCH_SECONDS ?? Number.POSITIVE_INFINITY);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const ENCODE = process.env.BENCH_ENCODE !== "0";
const edl = EdlSchema.parse(JSON.parse(await readFile(edlFile, "utf8")));
const frames = Math.min(edl.output.frames, Math.round(SECONDS * edl.fps));

/** The graph's arguments, stopped after `frames` output frames; encoded into a null sink, or not encoded. */
function graphArgs(e: EditDecisionList, encode: boolean): string[] {
  const args = bareRenderArgs(e, source, "-");
  args[args.indexOf("-frames:v") + 1] = String(frames);
  const out = [...args.slice(0, -1), "-f", "null", "-"];
  if (encode) return out;
  // no encoders: the null muxer takes the raw frames and samples (wrapped_avframe, pcm)
  const drop = new Set(["-c:v", "-c:a", "-preset", "-crf", "-b:a"]);
  return out.filter((a, i) => !drop.has(a) && !drop.has(out[i - 1]));
}

const still = (e: EditDecisionList): EditDecisionList => ({
  ...e,
  segments: e.segments.map((s) => ({ ...s, zoom: { ...s.zoom, to: s.zoom.from } })),
});
const cuts = (e: EditDecisionList): EditDecisionList => ({
  ...e,
  segments: e.segments.map((s) => ({ ...s, pre: { source: 0, hold: 0 }, post: { source: 0, hold: 0 } })),
  boundaries: e.boundaries.map((b) => ({ ...b, transition: { ...b.transition, type: "cut", frames: 0 } })),
});
const colourless = (e: EditDecisionList): EditDecisionList => ({
  ...e,
  colour: { ...e.colour, filter: null },
});
/** The output's frames as one unzoomed segment from the source's start, with the job's colour. */
const oneBranch = (e: EditDecisionList): EditDecisionList => ({
  ...e,
  segments: [
    {
      ...e.segments[0],
      source_in: 0,
      source_out: e.output.frames,
      out_start: 0,
      zoom: { from: 1, to: 1, cx: 0.5, cy: 0.5 },
      pre: { source: 0, hold: 0 },
      post: { source: 0, hold: 0 },
    },
  ],
  boundaries: [],
});

const decodeArgs = ["-hide_banner", "-nostdin", "-y", "-i", source, "-map", "0:v", "-map", "0:a?"];
const variants: Record<string, string[]> = {
  "decode only": [...decodeArgs, "-frames:v", String(frames), "-f", "null", "-"],
  "graph as planned": graphArgs(edl, false),
  "zooms held still": graphArgs(still(edl), false),
  "transitions as cuts": graphArgs(cuts(edl), false),
  "cuts, zooms held still": graphArgs(cuts(still(edl)), false),
  "no colour transfer": graphArgs(colourless(edl), false),
  "one branch, colour": graphArgs(oneBranch(edl), false),
  "one branch, no colour": graphArgs(colourless(oneBranch(edl)), false),
  ...(ENCODE
    ? {
        "render as planned": graphArgs(edl, true),
        "eq encode (the floor's)": eqEncodeArgs(edl, source, [
          "-frames:v",
          String(frames),
          "-f",
          "null",
          "-",
        ]),
      }
    : {}),
};

const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < RUNS; r++) {
  for (const [name, args] of Object.entries(variants)) {
    const usage: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
    await measureTools(usage, () => runTool("ffmpeg", args));
    cpu[name].push((usage.cpuMs ?? Number.NaN) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = Object.fromEntries(Object.entries(cpu).map(([k, xs]) => [k, median(xs)]));
const zoomSegments = edl.segments.filter((s) => s.zoom.to !== s.zoom.from);
const zoomShare = zoomSegments.reduce((n, s) => n + s.source_out - s.source_in, 0) / edl.output.frames;
const planned = graphArgs(edl, false).join(" ");
const zoomFilter = planned.includes("perspective=")
  ? "perspective"
  : /scale=[^;]*?eval=frame/.test(planned)
    ? "per-frame scale + crop"
    : "none";
console.log(
  `${edlFile}: ${edl.segments.length} segments (${zoomSegments.length} zooming by ${zoomFilter}, ` +
    `${(100 * zoomShare).toFixed(0)}% of the output), ${edl.boundaries.length} boundaries, ` +
    `colour ${edl.colour.filter ? "on" : "off"}; first ${frames} frames of ${edl.output.width}×${edl.output.height}, ` +
    `${RUNS} interleaved runs, ffmpeg CPU s (median)`,
);
for (const [name, s] of Object.entries(m)) console.log(`  ${name.padEnd(26)} ${s.toFixed(2).padStart(7)} s`);

const render = m["render as planned"];
const rows: [string, number][] = [
  ["decode (video + audio)", m["decode only"]],
  ["zoom (its resampler)", m["graph as planned"] - m["zooms held still"]],
  ["transitions (xfade, handles)", m["graph as planned"] - m["transitions as cuts"]],
  ["colour transfer (lutyuv)", m["graph as planned"] - m["no colour transfer"]],
  // without the zooms (which "transitions as cuts" keeps): the punch-ins' crop + upscale stay
  ["segments (split, trims, concat, punch-ins)", m["cuts, zooms held still"] - m["one branch, colour"]],
  ["the rest (fps, settb, setpts, format, audio)", m["one branch, no colour"] - m["decode only"]],
];
const graph = m["graph as planned"];
console.log(`\n| part of the render | CPU s | share of ${render ? "the render" : "decode + graph"} |`);
console.log("| --- | ---: | ---: |");
const of = render ?? graph;
for (const [name, s] of rows) console.log(`| ${name} | ${s.toFixed(2)} | ${((100 * s) / of).toFixed(1)} % |`);
if (render) {
  console.log(
    `| the encoder (libx264 ${edl.encode.preset} CRF ${edl.encode.crf}, AAC) | ${(render - graph).toFixed(2)} | ${((100 * (render - graph)) / render).toFixed(1)} % |`,
  );
  console.log(`| **the render** | ${render.toFixed(2)} | 100 % |`);
  const eq = m["eq encode (the floor's)"];
  console.log(
    `\nrender ${render.toFixed(2)} s = ${(render / eq).toFixed(2)}× the eq encode (${eq.toFixed(2)} s); ` +
      `the graph beside the decode ${(graph - m["decode only"]).toFixed(2)} s = ${((100 * (graph - m["decode only"])) / render).toFixed(1)} % of the render`,
  );
}
