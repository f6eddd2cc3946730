/**
 * Test-only media generation with ffmpeg (never imported by production code). Every clip's
 * truth (cut frames, transition spans, motion, grade) is known by construction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EditDecisionList, EdlSchema, type EdlZoom } from "@clipzy/models/edit/edl";
import { runFfmpeg } from "./ffmpeg.js";

export const W = 320;
export const H = 180;
export const FPS = 30;

export function tempDir(prefix = "clipzy-va-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function ffmpeg(args: string[]): Promise<void> {
  await runFfmpeg(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args]);
}

/** The encode of every generated test clip: H.264, near-lossless, fast. */
export const ENCODE = [
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

export interface CameraShot {
  frames: number;
  /** Zoom in 1 → `zoom` over the shot (constant rate), else a slow pan. */
  zoom?: number;
}

/**
 * One shot's video chain from a still: a window of (cw, ch) panning right 1 px a frame (whole
 * pixels, so never a repeated or a jerked frame), or a smooth zoom, scaled to (w, h).
 */
export function cameraShotChain(
  still: string,
  s: CameraShot,
  label: string,
  w: number,
  h: number,
  cw: number,
  ch: number,
): string {
  const src = `movie=${still},loop=loop=-1:size=1,fps=${FPS},trim=end_frame=${s.frames},setpts=N/FRAME_RATE/TB`;
  if (!s.zoom)
    return `${src},crop=${cw}:${ch}:x='80+n':y=100,scale=${w}:${h},setsar=1,format=yuv420p[${label}]`;
  const z = `pow(${s.zoom},in/${s.frames - 1})`;
  const x0 = `(W-W/${z})/2`;
  const y0 = `(H-H/${z})/2`;
  const x1 = `(W+W/${z})/2`;
  const y1 = `(H+H/${z})/2`;
  return `${src},crop=${cw}:${ch}:80:100,perspective=x0='${x0}':y0='${y0}':x1='${x1}':y1='${y0}':x2='${x0}':y2='${y1}':x3='${x1}':y3='${y1}':eval=frame,scale=${w}:${h},setsar=1,format=yuv420p[${label}]`;
}

/**
 * Footage with photographic statistics rather than a test pattern: a sky gradient with soft
 * clouds over a textured olive ground, a skin-toned face-like blob with shading, a dark object,
 * a slow pan, sensor-like temporal noise and a lens-like blur. Luma lumps in the mid-tones with
 * few pure blacks or whites and modest chroma, as ungraded camera footage does. `seed` varies it.
 */
export function naturalSceneChain(w = W, h = H, seed = 1): string {
  const x = `(X+${8 + (seed % 3) * 3}*T)`;
  const horizon = `(${0.42 + (seed % 4) * 0.03}*H+${4 + (seed % 3)}*sin(${x}/${37 + seed}))`;
  const sky = `lt(Y,${horizon})`;
  const cloud = `max(0,sin(${x}/${29 + seed})*sin(Y/${11 + (seed % 5)}))`;
  const face = `lt(pow((${x}-${(0.55 + (seed % 3) * 0.07).toFixed(2)}*W)/(0.11*W),2)+pow((Y-0.6*H)/(0.2*H),2),1)`;
  const shade = `(1-0.35*(pow((${x}-0.6*W)/(0.11*W),2)+pow((Y-0.6*H)/(0.2*H),2)))`;
  const rock = `between(${x},0.12*W,0.27*W)*gt(Y,0.55*H)`;
  const tex = `(sin(${x}/7)*cos(Y/5)+0.6*sin((${x}+2*Y)/13))`;
  const ch = (skyC: [number, number], cloudC: number, faceC: number, rockC: number, groundC: number) =>
    `clip(if(${sky},${skyC[0]}+${skyC[1]}*Y/H+${cloudC}*${cloud},if(${face},${faceC}*${shade},if(${rock},${rockC}+6*${tex},(${groundC}+16*${tex})*(1.05-0.35*Y/H)))),0,255)`;
  const r = ch([95, 70], 60, 212, 52, 96);
  const g = ch([128, 55], 55, 152, 42, 104);
  const b = ch([190, 35], 40, 122, 36, 58);
  return `nullsrc=s=${w}x${h}:r=${FPS},format=gbrp,geq=r='${r}':g='${g}':b='${b}',noise=alls=7:allf=t,gblur=sigma=0.8`;
}

/** A 40×40 two-colour checkerboard, unlike anything in makeStill's background. */
export async function makeCheckerObject(path: string): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "nullsrc=s=40x40,format=gbrp,geq=r='255*mod(floor(X/5)+floor(Y/5),2)':g='60':b='255*mod(floor(X/8)+floor(Y/4)+1,2)'",
    "-frames:v",
    "1",
    path,
  ]);
}

export interface PannedSubject {
  /** The subject image (any size) and its top-left's vertical path on the background. */
  subject: string;
  w: number;
  h: number;
  y0: number;
  amp: number;
  /** A background image of at least 800×360. */
  background: string;
  frames: number;
}

/**
 * A subject moving on a background filmed by a panning camera, W×H: the subject's top-left is at
 * (200 + 2n, y0 + amp·sin(n/20)) on the background and the camera a W×H window at (100 + n, 80),
 * so the subject crosses the frame left to right. Returns its centre in frame n's pixels.
 */
export async function makePannedSubject(
  path: string,
  o: PannedSubject,
): Promise<(n: number) => { x: number; y: number }> {
  await ffmpeg([
    "-loop",
    "1",
    "-framerate",
    String(FPS),
    "-i",
    o.background,
    "-loop",
    "1",
    "-framerate",
    String(FPS),
    "-i",
    o.subject,
    "-filter_complex",
    `[0][1]overlay=x='200+2*n':y='${o.y0}+${o.amp}*sin(n/20)',crop=${W}:${H}:x='100+n':y=80,format=yuv420p[v]`,
    "-map",
    "[v]",
    "-frames:v",
    String(o.frames),
    ...ENCODE,
    path,
  ]);
  return (n) => ({ x: 200 + 2 * n - (100 + n) + o.w / 2, y: o.y0 + o.amp * Math.sin(n / 20) - 80 + o.h / 2 });
}

/** The tracking test's clip: makeCheckerObject on makeStill(800, 360, 2), 120 frames. */
export const CHECKER_SUBJECT = { w: 40, h: 40, y0: 150, amp: 40, frames: 120 } as const;

/**
 * An EDL of one segment showing all `frames` of a silent source at `fps` with one framing (a zoom,
 * a punch-in, an aspect crop), no transition, no colour: what a framing test or bench renders.
 */
export function oneSegmentEdl(o: {
  source: { width: number; height: number };
  frames: number;
  zoom: EdlZoom;
  crop?: { width: number; height: number };
  output?: { width: number; height: number };
  fps?: number;
  encode?: { crf: number; preset: string };
}): EditDecisionList {
  const fps = o.fps ?? 30;
  return EdlSchema.parse({
    ...{ version: 1, input_key: "source", fps, fps_fraction: `${fps}/1` },
    source: { ...o.source, frames: o.frames },
    crop: o.crop ?? o.source,
    output: { ...(o.output ?? o.source), frames: o.frames },
    segments: [
      {
        ...{ source_in: 0, source_out: o.frames, out_start: 0, score: null, zoom: o.zoom },
        ...{ pre: { source: 0, hold: 0 }, post: { source: 0, hold: 0 } },
      },
    ],
    ...{ boundaries: [], beats_ms: [], beat_source: "none", applied: [] },
    audio: { mode: "none", crossfade_ms: 0, filters: null, bitrate_kbps: 128 },
    colour: { transfer: null, filter: null, lut_key: "grade.cube" },
    encode: { ...(o.encode ?? { crf: 12, preset: "ultrafast" }), max_height: 1080 },
  });
}
