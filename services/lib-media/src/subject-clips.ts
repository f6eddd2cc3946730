/**
 * Test-only: a seeded, randomised set of clips with one subject moving over a background, made
 * with ffmpeg (a subject layer overlaid on a moving background layer), each with its subject's
 * box in every frame known by construction. Coordinates are the clip's pixels (W×H, 320×180).
 *
 * - backgrounds: real photographs (scikit-image's sample photos, `photos`) panning slowly or
 *   scrolling fast, a generated texture, a random-noise image (3-pixel grain), a flat colour; some with temporal
 *   sensor noise on top;
 * - subjects: a plain colour or a textured patch (a crop of another photograph), small to large;
 * - paths: linear, sinusoidal, stop-and-go (moving and still in turn).
 *
 * A mask twin of each clip (the subject's box white, everything else black, same geometry) is
 * made on request, so a render of the clip's edit can be checked for the subject being whole.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mulberry32 } from "@clipzy/models/audio/synth";
import { ENCODE, FPS, ffmpeg, H, W } from "./test-media.js";

export type BackgroundKind = "photo" | "scrolling" | "texture" | "noise" | "flat";
export type PathKind = "linear" | "sine" | "stop-go";

export interface SubjectClip {
  name: string;
  /** Seeds what the clip draws at random (the noise background). */
  seed: number;
  frames: number;
  background: BackgroundKind;
  /** The background photograph's file name (photo and scrolling backgrounds). */
  photo: string | null;
  /**
   * Background motion in the frame, pixels per frame (the camera's pan, or the scroll); none on
   * noise (a noise image panned, or under strong grain, reads as cuts to the shot detector: 3–9
   * in 3 s) and on the flat wall.
   */
  pan: { x: number; y: number };
  /** Temporal noise strength (ffmpeg `noise` alls), 0 for none. */
  grain: number;
  subject: { kind: "plain" | "textured"; w: number; h: number; color: string; patch: string | null };
  path: PathKind;
  /** The subject's top-left at frame n: an ffmpeg expression of n, and the same in TypeScript. */
  x: { expr: string; at: (n: number) => number };
  y: { expr: string; at: (n: number) => number };
}

/**
 * A random-noise image (values 40–210 per channel), seeded here so that it is the same on every
 * run and machine, as a binary PPM; returns its path.
 */
async function noiseImage(path: string, w: number, h: number, seed: number): Promise<string> {
  const r = mulberry32(seed);
  const header = Buffer.from(`P6\n${w} ${h}\n255\n`);
  const body = Buffer.alloc(w * h * 3);
  for (let i = 0; i < body.length; i++) body[i] = 40 + Math.floor(170 * r());
  await writeFile(path, Buffer.concat([header, body]));
  return path;
}

/** The subject's box in frame n (top-left and size, pixels; overlay truncates the place). */
export function subjectBox(c: SubjectClip, n: number): { x: number; y: number; w: number; h: number } {
  return { x: Math.trunc(c.x.at(n)), y: Math.trunc(c.y.at(n)), w: c.subject.w, h: c.subject.h };
}

const COLOR_PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png"];
const TEXTURE_PHOTOS = ["brick.png", "grass.png", "gravel.png"];
const BACKGROUNDS: BackgroundKind[] = ["photo", "scrolling", "texture", "photo", "noise", "flat"];
const PATHS: PathKind[] = ["linear", "sine", "stop-go"];
const SIZES = [
  [20, 20],
  [36, 28],
  [48, 48],
  [64, 56],
] as const;

const f3 = (v: number) => String(Math.round(v * 1000) / 1000);
const hex = (v: number) => Math.round(v).toString(16).padStart(2, "0");

/**
 * A 1-D path of the subject's top-left between `lo` and `hi` (pixels) over `frames`: linear
 * (end to end), sinusoidal (around the middle, 55–85 px either way, 0.8–1 period), stop-and-go
 * (moving for 18 frames, then still for 22, in turn).
 */
function path1d(
  kind: PathKind,
  lo: number,
  hi: number,
  frames: number,
  r: () => number,
  along: boolean,
): { expr: string; at: (n: number) => number } {
  const flip = r() < 0.5;
  if (!along) {
    // the cross axis: a slow drift or a gentle sway
    const mid = lo + (hi - lo) * (0.3 + 0.4 * r());
    const amp = Math.min(mid - lo, hi - mid) * 0.6 * r();
    const period = frames * (1 + r());
    return {
      expr: `${f3(mid)}+${f3(amp)}*sin(2*PI*n/${f3(period)})`,
      at: (n) => Number(f3(mid)) + Number(f3(amp)) * Math.sin((2 * Math.PI * n) / Number(f3(period))),
    };
  }
  if (kind === "linear") {
    const a = flip ? hi : lo;
    const v = ((flip ? lo - hi : hi - lo) * (0.75 + 0.25 * r())) / (frames - 1);
    return { expr: `${f3(a)}+${f3(v)}*n`, at: (n) => Number(f3(a)) + Number(f3(v)) * n };
  }
  if (kind === "sine") {
    // at most about 6 px a frame: a reframe keyframed every 0.5 s can follow it
    const mid = (lo + hi) / 2;
    const amp = Math.min((hi - lo) / 2, 55 + 30 * r()) * (flip ? -1 : 1);
    const period = frames * (1 + 0.25 * r());
    return {
      expr: `${f3(mid)}+${f3(amp)}*sin(2*PI*n/${f3(period)})`,
      at: (n) => Number(f3(mid)) + Number(f3(amp)) * Math.sin((2 * Math.PI * n) / Number(f3(period))),
    };
  }
  const moving = Math.ceil(frames / 40) * 18;
  const a = flip ? hi : lo;
  const v = ((flip ? lo - hi : hi - lo) * (0.8 + 0.2 * r())) / moving;
  const g = (n: number) => 18 * Math.floor(n / 40) + Math.min(n % 40, 18);
  return {
    expr: `${f3(a)}+${f3(v)}*(18*floor(n/40)+min(mod(n\\,40)\\,18))`,
    at: (n) => Number(f3(a)) + Number(f3(v)) * g(n),
  };
}

/**
 * The set: `count` clips from `seed`, cycling through backgrounds, paths and sizes from the
 * `first` clip of the cycle on (a set from another seed and `first` mixes them differently:
 * the cycle of background × path × size × kind repeats every 120 clips).
 */
export function subjectClipSet(count: number, seed: number, first = 0): SubjectClip[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const clips: SubjectClip[] = [];
  for (let i = first; i < first + count; i++) {
    const background = BACKGROUNDS[i % BACKGROUNDS.length];
    const path = PATHS[i % PATHS.length];
    const [w, h] = SIZES[Math.floor(i / 2) % SIZES.length];
    const kind = i % 5 === 0 || i % 5 === 3 ? "textured" : "plain";
    const frames = path === "stop-go" ? 120 : 90;
    const photo =
      background === "photo" || background === "scrolling"
        ? pick(background === "photo" ? [...COLOR_PHOTOS, ...TEXTURE_PHOTOS] : COLOR_PHOTOS)
        : null;
    const sign = r() < 0.5 ? -1 : 1;
    const pan =
      background === "scrolling"
        ? { x: sign * (2 + 2 * r()), y: 0.3 * (r() - 0.5) }
        : background === "flat" || background === "noise"
          ? { x: 0, y: 0 }
          : { x: sign * (0.3 + 0.7 * r()), y: 0.2 * (r() - 0.5) };
    const color = `0x${hex(30 + 200 * r())}${hex(30 + 200 * r())}${hex(30 + 200 * r())}`;
    clips.push({
      name: `${String(i + 1).padStart(2, "0")}-${background}-${kind}-${w}x${h}-${path}`,
      seed: seed * 1000 + i,
      frames,
      background,
      photo,
      pan,
      grain: i % 4 === 1 ? 6 + Math.round(8 * r()) : 0,
      subject: { kind, w, h, color, patch: kind === "textured" ? pick(COLOR_PHOTOS) : null },
      path,
      x: path1d(path, 4, W - w - 4, frames, r, true),
      y: path1d(path, 4, H - h - 4, frames, r, false),
    });
  }
  return clips;
}

/**
 * Makes the clip (and, with `mask`, its mask twin) in `dir`; `photos`: the directory of the
 * sample photographs. Returns the files.
 */
export async function makeSubjectClip(
  c: SubjectClip,
  dir: string,
  photos: string,
  mask = false,
): Promise<{ file: string; mask: string | null }> {
  const margin = 8;
  const cw = Math.ceil(W + Math.abs(c.pan.x) * c.frames) + 2 * margin;
  const ch = Math.ceil(H + Math.abs(c.pan.y) * c.frames) + 2 * margin;
  const bx = `${c.pan.x < 0 ? cw - W - margin : margin}+${f3(c.pan.x)}*n`;
  const by = `${c.pan.y < 0 ? ch - H - margin : margin}+${f3(c.pan.y)}*n`;
  const canvas = `scale=${cw}:${ch}:force_original_aspect_ratio=increase,crop=${cw}:${ch}`;
  const bgSource =
    c.background === "photo" || c.background === "scrolling"
      ? `movie=${join(photos, c.photo!)},format=rgb24,${canvas},loop=loop=-1:size=1`
      : c.background === "texture"
        ? `nullsrc=s=${cw}x${ch},format=gbrp,geq=r='128+70*sin(X/23)*cos(Y/17)+50*sin((X+2*Y)/9)':g='128+60*cos(X/31+Y/11)+40*sin(X*Y/7)':b='128+80*sin(hypot(X-${cw / 3},Y-${ch / 2})/15)',format=rgb24,loop=loop=-1:size=1`
        : c.background === "noise"
          ? `movie=${await noiseImage(join(dir, `${c.name}.noise.ppm`), Math.ceil(cw / 3), Math.ceil(ch / 3), c.seed)},scale=${cw}:${ch}:flags=bilinear,format=rgb24,loop=loop=-1:size=1`
          : `color=c=0x707a84:s=${cw}x${ch}:r=${FPS},format=rgb24`;
  const { w, h } = c.subject;
  const subject =
    c.subject.kind === "textured"
      ? `movie=${join(photos, c.subject.patch!)},format=rgb24,scale=${w * 4}:-2,crop=${w}:${h},loop=loop=-1:size=1`
      : `color=c=${c.subject.color}:s=${w}x${h}:r=${FPS},format=rgb24`;
  const layers = (bg: string, fg: string, grain: number) =>
    `${bg},fps=${FPS},setpts=N/FRAME_RATE/TB,crop=${W}:${H}:x='${bx}':y='${by}'[bg];` +
    `${fg},fps=${FPS},setpts=N/FRAME_RATE/TB[fg];` +
    `[bg][fg]overlay=x='${c.x.expr}':y='${c.y.expr}':format=rgb:eof_action=repeat${grain > 0 ? `,noise=alls=${grain}:allf=t` : ""},format=yuv420p[v]`;
  const file = join(dir, `${c.name}.mp4`);
  const encode = (graph: string, out: string) =>
    ffmpeg(["-filter_complex", graph, "-map", "[v]", "-frames:v", String(c.frames), ...ENCODE, out]);
  await encode(layers(bgSource, subject, c.grain), file);
  if (!mask) return { file, mask: null };
  const maskFile = join(dir, `${c.name}.mask.mp4`);
  await encode(
    layers(
      `color=c=black:s=${cw}x${ch}:r=${FPS},format=rgb24`,
      `color=c=white:s=${w}x${h}:r=${FPS},format=rgb24`,
      0,
    ),
    maskFile,
  );
  return { file, mask: maskFile };
}
