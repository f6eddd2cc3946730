/**
 * Where a render's time goes (prints figures; not a test). The EDL a job planned (bench/job.ts
 * keeps its own in .tmp/bench/job-edl.json) is encoded over its first BENCH_SECONDS (default: all
 * of it) as planned, and with one element taken out at a time: zooms held at their start scale (no
 * `perspective`), transitions as cuts, no colour transfer. Each is set against the floor's encode
 * of the same source frames (a simple `eq` grade at the EDL's encoder settings), interleaved over
 * BENCH_RUNS rounds (default 1). The figure is ffmpeg's CPU time (user + system, all threads:
 * on a shared machine steadier than wall time), median per variant, as a ratio to the eq encode.
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
const edl = EdlSchema.parse(JSON.parse(await readFile(edlFile, "utf8")));
const frames = Math.min(edl.output.frames, Math.round(SECONDS * edl.fps));

/** The graph's arguments, stopped after `frames` output frames, into a null sink. */
function graphArgs(e: EditDecisionList): string[] {
  const args = bareRenderArgs(e, source, "-");
  args[args.indexOf("-frames:v") + 1] = String(frames);
  return [...args.slice(0, -1), "-f", "null", "-"];
}

const eqArgs = eqEncodeArgs(edl, source, ["-frames:v", String(frames), "-f", "null", "-"]);

const variants: Record<string, string[]> = {
  "eq encode (the floor's)": eqArgs,
  "the EDL as planned": graphArgs(edl),
  "zooms held still": graphArgs({
    ...edl,
    segments: edl.segments.map((s) => ({ ...s, zoom: { ...s.zoom, to: s.zoom.from } })),
  }),
  "transitions as cuts": graphArgs({
    ...edl,
    boundaries: edl.boundaries.map((b) => ({
      ...b,
      transition: { ...b.transition, type: "cut", frames: 0 },
    })),
  }),
  "no colour transfer": graphArgs({ ...edl, colour: { ...edl.colour, filter: null } }),
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
const base = median(cpu["eq encode (the floor's)"]);
const zoomSegments = edl.segments.filter((s) => s.zoom.to !== s.zoom.from);
const zooming = zoomSegments.length;
const zoomShare = zoomSegments.reduce((n, s) => n + s.source_out - s.source_in, 0) / edl.output.frames;
console.log(
  `${edlFile}: ${edl.segments.length} segments (${zooming} zooming, ${(100 * zoomShare).toFixed(0)}% of the output), ` +
    `${edl.boundaries.length} boundaries, ` +
    `colour ${edl.colour.filter ? "on" : "off"}; first ${frames} frames of ${edl.output.width}×${edl.output.height}, ` +
    `${RUNS} interleaved runs, ffmpeg CPU s (median)`,
);
for (const [name, xs] of Object.entries(cpu)) {
  const m = median(xs);
  console.log(`  ${name.padEnd(26)} ${m.toFixed(2).padStart(7)} s   ${(m / base).toFixed(2)}× the eq encode`);
}
