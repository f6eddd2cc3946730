/**
 * Test-only: a seeded set of short clips made of real photographs (scikit-image's sample photos,
 * scripts/photos.mjs) as Ken Burns pans with mild sensor noise, joined by ffmpeg's xfade
 * transitions or by a hard cut. The truth of every clip (the transition's family, its first frame and
 * its length in frame pairs) is known by construction. Never imported by production code.
 */
import { join } from "node:path";
import { mulberry32 } from "@clipzy/models/audio/synth";
import { ffmpeg } from "./test-media.js";

export type TransitionFamily = "blend" | "wipe" | "other";

/** xfade transitions by what they do to pixels. */
export const XFADE_FAMILIES: Record<string, TransitionFamily> = {
  fade: "blend",
  dissolve: "blend",
  fadeblack: "blend",
  fadewhite: "blend",
  wipeleft: "wipe",
  wiperight: "wipe",
  wipeup: "wipe",
  wipedown: "wipe",
  slideleft: "wipe",
  slideright: "wipe",
  slideup: "wipe",
  slidedown: "wipe",
  circleopen: "wipe",
  circleclose: "wipe",
  horzopen: "wipe",
  vertclose: "wipe",
  diagtl: "wipe",
  radial: "wipe",
  hlslice: "wipe",
  wipetr: "wipe",
  zoomin: "other",
  hblur: "other",
};

/**
 * The share of xfade's nominal duration over which its pixels change, where it is not all of it
 * (from xfade's formulas: the circles' edge sweeps progress 5/6 → 1/6; the radial sweep starts at 0.9).
 */
const VISIBLE: Record<string, [number, number]> = {
  circleopen: [1 / 6, 5 / 6],
  circleclose: [1 / 6, 5 / 6],
  radial: [0.1, 1],
};

/** xfade transitions whose edge is a smoothstep ramp (circle, radial, open/close, diagonal, slices), not a hard line. */
export const SOFT_EDGED = new Set([
  "circleopen",
  "circleclose",
  "horzopen",
  "vertclose",
  "diagtl",
  "radial",
  "hlslice",
]);

const COLOR_PHOTOS = [
  "astronaut.png",
  "chelsea.png",
  "coffee.png",
  "rocket.jpg",
  "motorcycle_left.png",
  "hubble_deep_field.jpg",
];
const TEXTURE_PHOTOS = ["brick.png", "grass.png", "gravel.png"];

export const CLIP_W = 320;
export const CLIP_H = 180;
export const CLIP_FPS = 25;

export interface Pan {
  photo: string;
  /** The photograph scaled to this width before the 320×180 window pans over it. */
  scaleW: number;
  x0: number;
  y0: number;
  /** Pixels per second. */
  vx: number;
  vy: number;
}

export interface TransitionCase {
  name: string;
  /** "cut" or an xfade transition name. */
  transition: string;
  family: TransitionFamily | "cut";
  /** "similar": two windows of one photograph or two texture photographs; "different" otherwise. */
  content: "similar" | "different";
  a: Pan;
  b: Pan;
  /** Outgoing shot length (s). */
  aSeconds: number;
  bSeconds: number;
  /** xfade duration (s), 0 for a cut. */
  seconds: number;
  /** Gradual: the last frame before the change; cut: the first frame of the new shot. */
  startFrame: number;
  /** Changed pairs (0 for a cut). */
  frames: number;
}

function pan(r: () => number, photo: string): Pan {
  const scaleW = 400 + Math.round(r() * 80);
  const speed = 6 + r() * 18; // px/s at 320×180: a slow Ken Burns drift
  const ang = r() * 2 * Math.PI;
  return {
    photo,
    scaleW,
    x0: Math.round(r() * (scaleW - CLIP_W) * 0.3),
    y0: Math.round(r() * 20),
    vx: Math.abs(speed * Math.cos(ang)),
    vy: Math.abs(speed * Math.sin(ang)) * 0.5,
  };
}

/** `count` seeded cases: every listed xfade transition in turn (0.3–1.5 s), a hard cut every fifth. */
export function transitionCases(seed: number, count: number): TransitionCase[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const names = Object.keys(XFADE_FAMILIES);
  const out: TransitionCase[] = [];
  for (let k = 0; k < count; k++) {
    const cut = k % 5 === 4;
    const transition = cut ? "cut" : names[(k - Math.floor(k / 5)) % names.length];
    const similar = r() < 0.4;
    let pa: string;
    let pb: string;
    if (similar) {
      pa = pick([...TEXTURE_PHOTOS, ...COLOR_PHOTOS]);
      pb = TEXTURE_PHOTOS.includes(pa) && r() < 0.5 ? pick(TEXTURE_PHOTOS.filter((p) => p !== pa)) : pa;
    } else {
      pa = pick(COLOR_PHOTOS);
      pb = pick([...COLOR_PHOTOS, ...TEXTURE_PHOTOS].filter((p) => p !== pa));
    }
    const a = pan(r, pa);
    const b = pan(r, pb);
    if (pa === pb) {
      // another window of the same photograph
      b.scaleW = a.scaleW;
      b.x0 = (a.x0 + 60 + Math.round(r() * 40)) % Math.max(1, b.scaleW - CLIP_W - 40);
      b.y0 = a.y0 + 30;
    }
    const nominal = cut ? 0 : Math.round((0.3 + r() * 1.2) * CLIP_FPS);
    const seconds = nominal / CLIP_FPS;
    const [from, to] = VISIBLE[transition] ?? [0, 1];
    const aSeconds = seconds + 1.2 + Math.round(r() * 5) / CLIP_FPS;
    const bSeconds = seconds + 1.2;
    if (pa === pb) {
      // B's window must differ from where A's pan has moved by the join (two like frames joined
      // are no transition to see): back to A's first row when A's last window is within 20 px.
      const ax = Math.min(a.scaleW - CLIP_W, a.x0 + a.vx * aSeconds);
      const ay = a.y0 + a.vy * aSeconds;
      if (Math.hypot(ax - b.x0, ay - b.y0) < 20) b.y0 = a.y0;
    }
    out.push({
      name: `${k}-${transition}`,
      transition,
      family: cut ? "cut" : XFADE_FAMILIES[transition],
      content: similar ? "similar" : "different",
      a,
      b,
      aSeconds,
      bSeconds,
      seconds,
      startFrame: Math.round((aSeconds - seconds) * CLIP_FPS) + Math.round(from * nominal),
      frames: Math.round(to * nominal) - Math.round(from * nominal),
    });
  }
  return out;
}

/** The lavfi chain of a pan: the photograph scaled, a moving 320×180 window, mild noise. */
function panChain(input: number, p: Pan, seconds: number, noiseSeed: number): string {
  // The window moves on a 4× grid and is scaled down (area): a smooth sub-pixel drift, not the
  // 1-pixel jerks of a crop at the target size.
  const S = 4;
  const x = `min(iw-${S * CLIP_W},${S * p.x0}+${(S * p.vx).toFixed(3)}*t)`;
  const y = `min(ih-${S * CLIP_H},${S * p.y0}+${(S * p.vy).toFixed(3)}*t)`;
  return (
    `[${input}]scale=${S * p.scaleW}:-2:flags=bicubic,format=rgb24,loop=loop=-1:size=1,setpts=N/(${CLIP_FPS}*TB),` +
    `crop=${S * CLIP_W}:${S * CLIP_H}:x='${x}':y='${y}',scale=${CLIP_W}:${CLIP_H}:flags=area,` +
    `noise=alls=5:allf=t:all_seed=${noiseSeed},trim=duration=${seconds},setpts=PTS-STARTPTS,format=yuv420p,setsar=1`
  );
}

/** The filter graph's [v] as H.264 (yuv420p) at CLIP_FPS and this crf, one thread. */
const encode = (crf: number) =>
  [
    "-map",
    "[v]",
    "-r",
    CLIP_FPS,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    crf,
    "-pix_fmt",
    "yuv420p",
    "-threads",
    1,
  ].map(String);

/** Renders one case into `dir` (H.264 at crf 18); returns the file. */
export async function makeTransitionClip(dir: string, photos: string, c: TransitionCase): Promise<string> {
  const out = join(dir, `${c.name}.mp4`);
  const inputs = [c.a, c.b].flatMap((p) => ["-i", join(photos, p.photo)]);
  const a = `${panChain(0, c.a, c.aSeconds, 11)}[a]`;
  const b = `${panChain(1, c.b, c.bSeconds, 23)}[b]`;
  const join2 =
    c.transition === "cut"
      ? "[a][b]concat=n=2:v=1:a=0[v]"
      : `[a][b]xfade=transition=${c.transition}:duration=${c.seconds}:offset=${(c.aSeconds - c.seconds).toFixed(4)}[v]`;
  await ffmpeg([...inputs, "-filter_complex", `${a};${b};${join2}`, ...encode(18), out]);
  return out;
}

export interface StillCase {
  name: string;
  photo: string;
  /** Zoom factor reached at the end (1: a still camera). */
  zoom: number;
  seconds: number;
  /** Sensor-noise strength (ffmpeg noise alls) and the H.264 crf. */
  noise: number;
  crf: number;
  /** A small subject (a 24×24 crop of another photograph) drifting this many px/s; 0: none. */
  subjectSpeed: number;
}

/**
 * A still camera on a real photograph (or, with zoom > 1, a slow zoom about its centre: the frame
 * scaled each frame by zoom^(t/seconds) at 4× and cropped), with temporal sensor noise, H.264 at
 * `crf` and a small moving subject.
 */
export async function makeStillClip(dir: string, photos: string, c: StillCase): Promise<string> {
  const out = join(dir, `${c.name}.mp4`);
  const S = 4;
  const zoom =
    c.zoom === 1
      ? `scale=${S * CLIP_W}:-2`
      : `scale=w='${S * CLIP_W}*pow(${c.zoom},t/${c.seconds})':h=-2:eval=frame:flags=bicubic`;
  const bg =
    `[0]scale=${S * CLIP_W}:${S * CLIP_H}:force_original_aspect_ratio=increase,crop=${S * CLIP_W}:${S * CLIP_H},format=rgb24,` +
    `loop=loop=-1:size=1,setpts=N/(${CLIP_FPS}*TB),${zoom},crop=${S * CLIP_W}:${S * CLIP_H},scale=${CLIP_W}:${CLIP_H}:flags=area,` +
    `trim=duration=${c.seconds}[bg]`;
  const subj = c.subjectSpeed
    ? ";[1]scale=96:-2,crop=24:24,format=rgb24,loop=loop=-1:size=1," +
      `setpts=N/(${CLIP_FPS}*TB),trim=duration=${c.seconds}[s]`
    : "";
  const over = c.subjectSpeed
    ? `;[bg][s]overlay=x='100+${c.subjectSpeed}*t':y='80+8*sin(t*2)'[o];[o]`
    : ";[bg]";
  await ffmpeg([
    "-i",
    join(photos, c.photo),
    ...(c.subjectSpeed ? ["-i", join(photos, "coffee.png")] : []),
    "-filter_complex",
    `${bg}${subj}${over}noise=alls=${c.noise}:allf=t:all_seed=5,format=yuv420p[v]`,
    ...encode(c.crf),
    out,
  ]);
  return out;
}
