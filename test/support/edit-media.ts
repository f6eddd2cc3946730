import { join } from "node:path";
import { writePcm } from "@clipzy/media/media-fixtures";
import { ffmpeg, makeStill } from "@clipzy/media/test-media";
import { drumTrack } from "@clipzy/models/audio/synth";

/**
 * Generated footage with a known edit, for the edit round trip: a slowly wandering camera over
 * textured stills (pans, and slow zooms rendered with sub-pixel precision), cut or
 * dissolved at known frames, over a drum track with chords at a known tempo.
 */
export const FPS = 30;
export const W = 320;
export const H = 180;

export interface Shot {
  seed: number;
  frames: number;
  /** Zoom in 1 → `zoom` over the shot (constant rate), else a slow pan. */
  zoom?: number;
}

/**
 * One shot's video chain from a still: a window of (cw, ch) panning right 1 px a frame (whole
 * pixels, so never a repeated or a jerked frame), or a smooth zoom, scaled to (w, h).
 */
function shotChain(
  still: string,
  s: Shot,
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
 * Shots joined by hard cuts (`dissolveFrames` 0) or dissolves (xfade fade) of that many frames,
 * over a drum track at `bpm` (none when null). Returns the file's frame count.
 */
export async function makeEditedClip(
  dir: string,
  name: string,
  shots: Shot[],
  opts: { dissolveFrames: number; bpm: number | null; seed?: number; size?: [number, number] },
): Promise<{ path: string; frames: number; beats: number[] }> {
  const path = join(dir, name);
  const [w, h] = opts.size ?? [W, H];
  // the camera's window: twice the output below 640 wide (the still's detail survives the scale)
  const [cw, ch] = w <= 640 ? [2 * w, 2 * h] : [w, h];
  const longest = Math.max(...shots.map((s) => s.frames));
  const stills = await Promise.all(
    [...new Set(shots.map((s) => s.seed))].map(async (seed) => {
      const p = join(dir, `still-${seed}-${cw + longest + 160}.png`);
      await makeStill(p, cw + longest + 160, ch + 200, seed);
      return [seed, p] as const;
    }),
  );
  const still = new Map(stills);
  const parts = shots.map((s, k) => shotChain(still.get(s.seed)!, s, `s${k}`, w, h, cw, ch));
  let cur = "s0";
  let frames = shots[0].frames;
  const d = opts.dissolveFrames;
  for (let k = 1; k < shots.length; k++) {
    const out = `c${k}`;
    if (d > 0) {
      parts.push(
        `[${cur}][s${k}]xfade=transition=fade:duration=${d / FPS}:offset=${(frames - d) / FPS}[${out}]`,
      );
      frames += shots[k].frames - d;
    } else {
      parts.push(`[${cur}][s${k}]concat=n=2:v=1:a=0[${out}]`);
      frames += shots[k].frames;
    }
    cur = out;
  }
  const graph = ["-filter_complex", `${parts.join(";")};[${cur}]null[v]`, "-map", "[v]"];
  let args = graph;
  let beats: number[] = [];
  if (opts.bpm) {
    const track = drumTrack({
      bpm: opts.bpm,
      seconds: frames / FPS,
      pattern: "rock",
      chords: true,
      seed: opts.seed ?? 3,
    });
    beats = track.beats;
    const wav = join(dir, `${name}.wav`);
    await writePcm(wav, track.samples, track.sampleRate);
    args = ["-i", wav, ...graph, "-map", "0:a", "-c:a", "aac", "-b:a", "160k"];
  }
  args.push(
    "-frames:v",
    String(frames),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "18",
    "-pix_fmt",
    "yuv420p",
    "-t",
    String(frames / FPS),
    path,
  );
  await ffmpeg(args);
  return { path, frames, beats };
}

/**
 * Shot lengths for dissolves of `d` frames centred on `midpoints` (frames) in a clip of `total`
 * frames (xfade overlaps each pair by d).
 */
export function shotLengths(midpoints: readonly number[], total: number, d: number): number[] {
  const h = d / 2;
  const edges = [...midpoints, total];
  return edges.map((m, j) =>
    j === 0 ? m + h : j === midpoints.length ? total - midpoints[j - 1] + h : m - midpoints[j - 1] + d,
  );
}

/** Frames of every `every`-th beat of a drum track (drumTrack's first beat at 0.3 s) before `before`. */
export function beatFrames(bpm: number, every: number, before: number): number[] {
  const out: number[] = [];
  for (let k = 1; ; k++) {
    const f = Math.round(FPS * (0.3 + (every * k * 60) / bpm));
    if (f >= before) return out;
    out.push(f);
  }
}
