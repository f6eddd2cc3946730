import { join } from "node:path";
import { writePcm } from "@clipzy/media/media-fixtures";
import { type CameraShot, cameraShotChain, ffmpeg, makeStill } from "@clipzy/media/test-media";
import { drumTrack } from "@clipzy/models/audio/synth";

/**
 * Generated footage with a known edit, for the edit round trip: a slowly wandering camera over
 * textured stills (pans, and slow zooms rendered with sub-pixel precision), cut or
 * dissolved at known frames, over a drum track with chords at a known tempo.
 */
export const FPS = 30;
export const W = 320;
export const H = 180;

export interface Shot extends CameraShot {
  seed: number;
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
  const parts = shots.map((s, k) => cameraShotChain(still.get(s.seed)!, s, `s${k}`, w, h, cw, ch));
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

/**
 * A template with a known edit: dissolves of `dissolveFrames` centred on every 5th beat of a
 * 128 BPM drum track (an edit on the beat every 2.34 s), its odd shots zooming (1.3×).
 */
export function makeBeatTemplate(
  dir: string,
  name: string,
  o: { frames: number; dissolveFrames: number },
): ReturnType<typeof makeEditedClip> {
  const lengths = shotLengths(beatFrames(128, 5, o.frames - 20), o.frames, o.dissolveFrames);
  return makeEditedClip(
    dir,
    name,
    lengths.map((frames, k) => ({ seed: 11 + k, frames, zoom: k % 2 === 1 ? 1.3 : undefined })),
    { dissolveFrames: o.dissolveFrames, bpm: 128 },
  );
}
