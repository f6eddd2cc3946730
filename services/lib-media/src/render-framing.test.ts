import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFfmpeg, spawnFfmpeg } from "@clipzy/media/ffmpeg";
import type { EditDecisionList, EdlZoom } from "@clipzy/models/edit/edl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderArgs } from "./render-graph.js";
import { oneSegmentEdl } from "./test-media.js";

/**
 * The framing the render draws, measured on its pixels: the source is a grid of thin dark lines
 * at known places (vertical at x = 60 and 130, horizontal at y = 35 and 75 of a 192×108 frame), so
 * each output frame shows where the render put two source columns and two source rows. From them:
 * the scale per frame (line spacing in the output over the plan's) and the window's place (where
 * the first line lands), against the plan's window computed here from the EDL's definition (zoom
 * `from`·(to/from)^(i/(n−1)) over the branch's frames, centred on cx, cy, clamped into the aspect
 * crop; a still zoom a window of even size). A zoom that drifts, steps, starts from the wrong
 * scale or a crop in the wrong place fails; the tolerances are 1 % of the scale and 0.5 output px.
 */
const W = 192;
const H = 108;
const FPS = 30;
const FRAMES = 60;
const LX = [60, 130];
const LY = [35, 75];
const dir = mkdtempSync(join(tmpdir(), "clipzy-framing-"));
const src = join(dir, "grid.mp4");
/** The same grid at 1920×1080 (lines 10× as far apart, as thin): a zoom whose grid is the output's own. */
const HD = { src: join(dir, "grid-hd.mp4"), lx: LX.map((x) => 10 * x), ly: LY.map((y) => 10 * y) };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function makeGrid(file: string, w: number, h: number, lx: number[], ly: number[]) {
  const line = (v: string, at: number[]) => at.map((a) => `lt(abs(${v}-${a}),1.5)`).join("+");
  await runFfmpeg([
    ...["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"],
    // one frame drawn, then repeated (geq at 1080p is slow)
    `nullsrc=s=${w}x${h}:r=${FPS},format=yuv420p,geq=lum='if(${line("X", lx)}+${line("Y", ly)},40,200)':cb=128:cr=128,trim=end_frame=1,loop=loop=${FRAMES - 1}:size=1,setpts=N/${FPS}/TB`,
    ...["-frames:v", String(FRAMES), "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", file],
  ]);
}

beforeAll(async () => {
  await Promise.all([makeGrid(src, W, H, LX, LY), makeGrid(HD.src, 10 * W, 10 * H, HD.lx, HD.ly)]);
});

const edl = (zoom: EdlZoom, crop = { width: W, height: H }, output = { width: W, height: H }) =>
  oneSegmentEdl({ source: { width: W, height: H }, frames: FRAMES, zoom, crop, output });

/** The planned source window of output frame i: left, top, width, height in source pixels. */
function plannedWindow(e: EditDecisionList, i: number): [number, number, number, number] {
  const { cx, cy, from, to } = e.segments[0].zoom;
  const { width: W, height: H } = e.source;
  const { width: CW, height: CH } = e.crop;
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  const x0 = Math.round(clamp(cx * W - CW / 2, 0, W - CW));
  const y0 = Math.round(clamp(cy * H - CH / 2, 0, H - CH));
  if (from === to) {
    const even = (x: number) => Math.floor(x / 2) * 2;
    const [w, h] = [even(CW / from), even(CH / from)];
    return [Math.round(clamp(cx * W - w / 2, 0, W - w)), Math.round(clamp(cy * H - h / 2, 0, H - h)), w, h];
  }
  const s = from * (to / from) ** (i / (FRAMES - 1));
  const [w, h] = [CW / s, CH / s];
  return [x0 + clamp(cx * W - x0 - w / 2, 0, CW - w), y0 + clamp(cy * H - y0 - h / 2, 0, CH - h), w, h];
}

/** The luma planes of a file's frames. */
async function lumaFrames(file: string, w: number, h: number): Promise<Uint8Array[]> {
  const tool = spawnFfmpeg(["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]);
  const chunks: Buffer[] = [];
  tool.stdout.on("data", (c: Buffer) => chunks.push(c));
  await tool.done;
  const all = Buffer.concat(chunks);
  return Array.from({ length: all.length / (w * h) }, (_, k) => all.subarray(k * w * h, (k + 1) * w * h));
}

/**
 * Where a dark line lies in a profile (the mean luma of each column or row), to a fraction of a
 * pixel: the darkness-weighted centroid around the darkest sample within ±8 of `near`.
 */
function lineAt(profile: number[], near: number): number {
  const bg = [...profile].sort((a, b) => a - b)[profile.length >> 1];
  let best = Math.round(near);
  for (let k = Math.round(near) - 8; k <= Math.round(near) + 8; k++)
    if (k >= 0 && k < profile.length && profile[k] < profile[best]) best = k;
  let sw = 0;
  let sx = 0;
  for (let k = Math.max(0, best - 3); k <= Math.min(profile.length - 1, best + 3); k++) {
    const d = Math.max(0, bg - profile[k]);
    sw += d;
    sx += d * k;
  }
  return sx / sw;
}

/** Measured against planned: the worst relative scale error and the worst line displacement (output px). */
async function framingError(e: EditDecisionList, name: string, grid = { src, lx: LX, ly: LY }) {
  const out = join(dir, name);
  const [LX, LY] = [grid.lx, grid.ly];
  await runFfmpeg(renderArgs(e, grid.src, out).filter((a) => a !== "-progress" && a !== "pipe:1"));
  const { width: OW, height: OH } = e.output;
  const frames = await lumaFrames(out, OW, OH);
  expect(frames).toHaveLength(FRAMES);
  let scale = 0;
  let place = 0;
  const scales: number[] = [];
  frames.forEach((f, i) => {
    const cols = Array.from({ length: OW }, (_, x) => {
      let s = 0;
      for (let y = 0; y < OH; y++) s += f[y * OW + x];
      return s / OH;
    });
    const rows = Array.from({ length: OH }, (_, y) => {
      let s = 0;
      for (let x = 0; x < OW; x++) s += f[y * OW + x];
      return s / OW;
    });
    const [X0, Y0, w, h] = plannedWindow(e, i);
    // output coordinate of a source coordinate (pixel centres), on each axis
    const ux = (x: number) => ((x - X0 + 0.5) * OW) / w - 0.5;
    const uy = (y: number) => ((y - Y0 + 0.5) * OH) / h - 0.5;
    const mx = LX.map((x) => lineAt(cols, ux(x)));
    const my = LY.map((y) => lineAt(rows, uy(y)));
    const sx = (mx[1] - mx[0]) / (ux(LX[1]) - ux(LX[0]));
    const sy = (my[1] - my[0]) / (uy(LY[1]) - uy(LY[0]));
    scales.push(((mx[1] - mx[0]) / (LX[1] - LX[0])) * (e.crop.width / OW));
    scale = Math.max(scale, Math.abs(sx - 1), Math.abs(sy - 1));
    place = Math.max(
      place,
      ...mx.map((m, k) => Math.abs(m - ux(LX[k]))),
      ...my.map((m, k) => Math.abs(m - uy(LY[k]))),
    );
  });
  if (process.env.CLIPZY_PRINT_FIGURES)
    console.log(
      `${name}: worst scale error ${(100 * scale).toFixed(2)} %, worst line displacement ${place.toFixed(2)} px; ` +
        `scale first ${scales[0].toFixed(4)}, last ${scales[FRAMES - 1].toFixed(4)}`,
    );
  return { scale, place, scales };
}

describe("the render's framing, measured on its pixels", () => {
  it("zooms 1 → 1.3 at the planned scale on every frame, centred where planned (clamped at the left edge)", async () => {
    const r = await framingError(edl({ from: 1, to: 1.3, cx: 0.3, cy: 0.5 }), "zoom.mp4");
    expect(r.scale).toBeLessThan(0.01);
    expect(r.place).toBeLessThan(0.5);
    // monotone: a slow zoom never steps back
    for (let i = 1; i < FRAMES; i++) expect(r.scales[i]).toBeGreaterThan(r.scales[i - 1] - 0.002);
  });

  it("zooms 1.1 → 1.4 inside a square aspect crop scaled down to the output", async () => {
    const e = edl(
      { from: 1.1, to: 1.4, cx: 0.5, cy: 0.45 },
      { width: 108, height: 108 },
      { width: 96, height: 96 },
    );
    const r = await framingError(e, "crop-zoom.mp4");
    expect(r.scale).toBeLessThan(0.01);
    expect(r.place).toBeLessThan(0.5);
  });

  it("zooms a source larger than the output at the planned scale (on a grid of 1920 columns, then scaled down)", async () => {
    const e = edl({ from: 1, to: 1.3, cx: 0.5, cy: 0.5 }, { width: W, height: H }, { width: 96, height: 54 });
    const args = renderArgs(e, src, "x.mp4");
    // 96 columns × 20 = the grid; the window cropped out of it at whole grid pixels, then scaled to the output
    expect(args[args.indexOf("-filter_complex") + 1]).toMatch(
      /eval=frame:flags=bilinear,crop=1920:1080:x='[^']+':y='[^']+':exact=1,scale=96:54/,
    );
    const r = await framingError(e, "small-zoom.mp4");
    expect(r.scale).toBeLessThan(0.01);
    expect(r.place).toBeLessThan(0.5);
  });

  it("zooms a 1080p output on its own pixels (the box scaled per frame, the window cropped at whole pixels)", async () => {
    const e = oneSegmentEdl({
      source: { width: 10 * W, height: 10 * H },
      frames: FRAMES,
      zoom: { from: 1.1, to: 1.4, cx: 0.45, cy: 0.55 },
    });
    const graph = renderArgs(e, HD.src, "x.mp4").join(" ");
    // the box holding every window (the widest, 1/1.1 of the frame) is all the scale reads
    expect(graph).toMatch(/crop=1746:982:0:98:exact=1,scale=w='st\(/);
    expect(graph).not.toContain("perspective");
    const r = await framingError(e, "hd-zoom.mp4", HD);
    expect(r.scale).toBeLessThan(0.01);
    // whole output pixels: the window's edges within half a pixel (0.49 computed), plus the line
    // centroid's own error (0.05 px on the grids above)
    expect(r.place).toBeLessThan(0.6);
    for (let i = 1; i < FRAMES; i++) expect(r.scales[i]).toBeGreaterThan(r.scales[i - 1] - 0.002);
  });

  it("holds a still punch-in (1.2×) and a still aspect crop where planned", async () => {
    const punch = await framingError(edl({ from: 1.2, to: 1.2, cx: 0.45, cy: 0.5 }), "punch.mp4");
    expect(punch.scale).toBeLessThan(0.01);
    expect(punch.place).toBeLessThan(0.5);
    const crop = await framingError(
      edl({ from: 1, to: 1, cx: 0.55, cy: 0.5 }, { width: 108, height: 108 }, { width: 96, height: 96 }),
      "crop.mp4",
    );
    expect(crop.scale).toBeLessThan(0.01);
    expect(crop.place).toBeLessThan(0.5);
  });
});
