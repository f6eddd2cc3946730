/**
 * Test-only media generation with ffmpeg (never imported by production code). Every clip's
 * truth (cut frames, transition spans, motion, grade) is known by construction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TransferPair } from "@clipzy/models/video/grade-model";
import { runTool, spawnTool } from "@clipzy/platform/process";

export const W = 320;
export const H = 180;
export const FPS = 30;

export function tempDir(prefix = "clipzy-va-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function ffmpeg(args: string[]): Promise<void> {
  await runTool("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args]);
}

const ENCODE = [
  "-c:v",
  "libx264",
  "-preset",
  "ultrafast",
  "-crf",
  "16",
  "-pix_fmt",
  "yuv420p",
  "-threads",
  "2",
];

export type SourceKind =
  | "testsrc2"
  | "mandelbrot"
  | "cellauto"
  | "life"
  | "noise"
  | "smptebars"
  | "still"
  | "gradients"
  | "rgbtestsrc";

/** A lavfi source chain of kind `kind`, varied by `seed`, at W×H and FPS, rgb-ish. */
export function source(kind: SourceKind, seed: number, w = W, h = H, fps = FPS): string {
  const s = `s=${w}x${h}:r=${fps}`;
  switch (kind) {
    case "testsrc2":
      return `testsrc2=${s},hue=h=${(seed * 67) % 360}`;
    case "mandelbrot": {
      const xs = [-0.743643887037151, -0.7453, -1.25066, -0.16];
      const ys = [0.13182590420533, 0.1127, 0.02012, 1.0405];
      return `mandelbrot=${s}:maxiter=96:start_x=${xs[seed % 4]}:start_y=${ys[seed % 4]}:start_scale=${0.05 + 0.02 * (seed % 3)}:end_scale=0.001:end_pts=200`;
    }
    case "cellauto":
      return `cellauto=${s}:rule=${[30, 110, 90, 150][seed % 4]}:random_fill_ratio=0.5:seed=${seed}:scroll=1,format=gray,lutrgb=r=val*0.8:g=val*0.5:b=val`;
    case "life":
      return `life=${s}:seed=${seed}:ratio=0.4:mold=10:life_color=#${["ffd040", "40ff90", "f060ff", "60c0ff"][seed % 4]}:death_color=#${["200010", "101030", "003020", "302000"][seed % 4]}:mold_color=#${["604020", "206040", "402060", "606020"][seed % 4]}`;
    case "noise":
      return `nullsrc=${s},format=gbrp,geq=r='random(1)*${150 + (seed % 3) * 50}':g='random(2)*${100 + (seed % 4) * 40}':b='random(3)*${80 + (seed % 2) * 150}'`;
    case "smptebars":
      return seed % 2 ? `smptebars=${s}` : `smptehdbars=${s}`;
    case "still":
      // A generated still image (static, smooth colour field with texture).
      return `nullsrc=${s},format=gbrp,geq=r='128+100*sin(X/${9 + (seed % 5)})*cos(Y/13)':g='128+90*cos((X+Y)/${17 + (seed % 7)})':b='128+110*sin(hypot(X-${w / 2},Y-${h / 2})/${7 + (seed % 3)})'`;
    case "gradients":
      return `gradients=${s}:seed=${seed}:speed=0.02:nb_colors=${3 + (seed % 4)}`;
    case "rgbtestsrc":
      return `rgbtestsrc=${s},hue=h=${(seed * 41) % 360}`;
  }
}

export interface Segment {
  kind: SourceKind;
  seed: number;
  frames: number;
}

export type Boundary =
  | { type: "cut" }
  | { type: "xfade"; transition: string; frames: number }
  | { type: "fadeblack"; frames: number };

export interface TruthTransition {
  gradual: boolean;
  /** Cut: first frame of the new shot. Gradual: last frame of the outgoing shot before the change. */
  startFrame: number;
  frames: number;
  type: string;
}

/**
 * Segments joined by boundaries (boundaries[i] joins segments[i] and segments[i+1]). Returns the
 * truth: one transition per boundary, and the total frame count.
 */
export async function makeEdit(
  path: string,
  segments: Segment[],
  boundaries: Boundary[],
  extra = "",
): Promise<{ truth: TruthTransition[]; frames: number }> {
  const parts: string[] = [];
  segments.forEach((s, k) => {
    parts.push(
      `${source(s.kind, s.seed)},trim=end_frame=${s.frames},setpts=PTS-STARTPTS,format=yuv420p,setsar=1,settb=1/${FPS},fps=${FPS}[s${k}]`,
    );
  });
  let cur = "s0";
  let curFrames = segments[0].frames;
  const truth: TruthTransition[] = [];
  boundaries.forEach((b, k) => {
    const next = `s${k + 1}`;
    const out = `c${k}`;
    const nf = segments[k + 1].frames;
    if (b.type === "cut") {
      parts.push(`[${cur}][${next}]concat=n=2:v=1:a=0,settb=1/${FPS}[${out}]`);
      truth.push({ gradual: false, startFrame: curFrames, frames: 0, type: "cut" });
      curFrames += nf;
    } else if (b.type === "xfade") {
      const off = curFrames - b.frames;
      parts.push(
        `[${cur}][${next}]xfade=transition=${b.transition}:duration=${b.frames / FPS}:offset=${off / FPS}[${out}]`,
      );
      truth.push({ gradual: true, startFrame: off, frames: b.frames, type: b.transition });
      curFrames += nf - b.frames;
    } else {
      const h = Math.floor(b.frames / 2);
      parts.push(`[${cur}]fade=t=out:st=${(curFrames - h) / FPS}:d=${h / FPS}[o${k}]`);
      parts.push(`[${next}]fade=t=in:st=0:d=${h / FPS}[i${k}]`);
      parts.push(`[o${k}][i${k}]concat=n=2:v=1:a=0,settb=1/${FPS}[${out}]`);
      truth.push({ gradual: true, startFrame: curFrames - h, frames: 2 * h, type: "fadeblack" });
      curFrames += nf;
    }
    cur = out;
  });
  const graph = parts.join(";") + `;[${cur}]${extra || "null"}[final]`;
  await ffmpeg([
    "-filter_complex",
    graph,
    "-map",
    "[final]",
    "-frames:v",
    String(curFrames),
    ...ENCODE,
    path,
  ]);
  return { truth, frames: curFrames };
}

/** One source for `frames` frames with an extra filter chain, encoded to `path`. */
export async function makeClip(path: string, chain: string, frames: number): Promise<void> {
  await ffmpeg([
    "-filter_complex",
    `${chain},format=yuv420p[v]`,
    "-map",
    "[v]",
    "-frames:v",
    String(frames),
    ...ENCODE,
    path,
  ]);
}

/** A still PNG with a textured pattern (used for pans and zooms). */
export async function makeStill(path: string, w: number, h: number, seed = 1): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `nullsrc=s=${w}x${h},format=gbrp,geq=r='128+70*sin(X/${23 + seed})*cos(Y/17)+50*sin((X+2*Y)/${7 + seed})':g='128+60*cos(X/31+Y/11)+40*random(1)':b='128+80*sin(hypot(X-${w / 3},Y-${h / 2})/${13 + seed})'`,
    "-frames:v",
    "1",
    path,
  ]);
}

/**
 * The neutral scene the grade model's reference statistics describe: luma a uniform ramp over
 * 0.06..0.94 (left to right), chroma a zero-mean hue circle (top to bottom) — grey-world balanced.
 */
export function neutralSceneChain(w = W, h = H, amp = 0.1): string {
  // Chroma basis orthogonal to the luma weights: u1 ∝ (1,−a,b) etc. computed in ffmpeg expressions.
  const y = `(0.06+0.88*X/${w - 1})`;
  const th = `(2*PI*Y/${h})`;
  // u1 = (0.7071, −0.3602, 0.6082)·k1 (R−B-ish), u2 = (0.4,−0.65,1.7)/n ... use two vectors with zero luma.
  // v1 = (1, 0, −0.299/0.114) normalised; v2 = Gram–Schmidt of (0, 1, −0.587/0.114).
  const v1 = [1, 0, -0.299 / 0.114];
  const n1 = Math.hypot(...v1);
  const a = v1.map((x) => x / n1);
  const v2raw = [0, 1, -0.587 / 0.114];
  const dot = v2raw.reduce((s, x, i) => s + x * a[i], 0);
  const v2 = v2raw.map((x, i) => x - dot * a[i]);
  const n2 = Math.hypot(...v2);
  const b = v2.map((x) => x / n2);
  // Keep chroma inside the gamut near black and white.
  const env = `min(1,min(${y},1-${y})/0.25)`;
  const ch = (i: number) =>
    `${amp * Math.SQRT2}*${env}*(${a[i].toFixed(5)}*cos(${th})+${b[i].toFixed(5)}*sin(${th}))`;
  return `nullsrc=s=${w}x${h}:r=${FPS},format=gbrp,geq=r='255*clip(${y}+${ch(0)},0,1)':g='255*clip(${y}+${ch(1)},0,1)':b='255*clip(${y}+${ch(2)},0,1)'`;
}

/** A colour chart: 5×5×5 RGB patches of 8×8 pixels (25 × 5 patches), for measuring a filter's transfer. */
export const CHART_LEVELS = [0.1, 0.3, 0.5, 0.7, 0.9];
export function chartChain(): string {
  const lv = (e: string) => `(0.1+0.2*(${e}))`;
  // patch index p = floor(X/8) + 25*floor(Y/8) in 0..124 → r = p%5, g = floor(p/5)%5, b = floor(p/25)
  const p = `(floor(X/8)+25*floor(Y/8))`;
  return `nullsrc=s=200x40:r=${FPS},format=gbrp,geq=r='255*${lv(`mod(${p},5)`)}':g='255*${lv(`mod(floor(${p}/5),5)`)}':b='255*${lv(`floor(${p}/25)`)}'`;
}

/** Applies `filter` to the chart and returns (input, output) colour pairs at patch centres (0..1). */
export async function measureTransfer(filter: string): Promise<TransferPair[]> {
  const tool = spawnTool("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    "-filter_complex",
    `${chartChain()},${filter ? filter + "," : ""}format=rgb24[v]`,
    "-map",
    "[v]",
    "-frames:v",
    "1",
    "-f",
    "rawvideo",
    "pipe:1",
  ]);
  const chunks: Buffer[] = [];
  tool.stdout.on("data", (c: Buffer) => chunks.push(c));
  await tool.done;
  const img = Buffer.concat(chunks);
  const pairs: TransferPair[] = [];
  for (let p = 0; p < 125; p++) {
    const x = (p % 25) * 8 + 4;
    const y = Math.floor(p / 25) * 8 + 4;
    const o = (y * 200 + x) * 3;
    const L = CHART_LEVELS;
    pairs.push({
      input: [L[p % 5], L[Math.floor(p / 5) % 5], L[Math.floor(p / 25)]],
      output: [img[o] / 255, img[o + 1] / 255, img[o + 2] / 255],
    });
  }
  return pairs;
}
