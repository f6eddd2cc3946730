import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { writePcm } from "@clipzy/media/media-fixtures";
import { realMusic } from "@clipzy/media/real-audio";
import { ffmpeg, type SourceKind, source } from "@clipzy/media/test-media";
import { drumTrack, mulberry32 } from "@clipzy/models/audio/synth";

/**
 * The closed loop's round-trip corpus: template/source pairs drawn from a fixed seed. Each clip is
 * one ffmpeg run of shots (a lavfi pattern, a fractal, noise, a real-photo pan from scikit-image's
 * photographs), joined by cuts or transitions on or off the beat, some zooming, graded over the
 * whole range (templates) and carrying music: percussive drums (high crest factor), a sustained
 * chord, speech (espeak-ng), real music (frozen-bubble-data), or none. Small: 160×90, 25 fps, 3 s.
 */
const run = promisify(execFile);
export const CW = 160;
export const CH = 90;
export const CFPS = 25;

export type Content = "pattern" | "fractal" | "noise" | "photo" | "natural";
export type Music = "percussive" | "sustained" | "speech" | "real" | "none";
export type Cuts = "on_beat" | "off_beat" | "none";

export interface ClipSpec {
  name: string;
  content: Content[];
  seconds: number;
  music: Music;
  bpm: number;
  cuts: Cuts;
  transition: string;
  /** Share of shots that zoom (0..1). */
  zoomShare: number;
  /** ffmpeg filters of the grade (empty for a source). */
  grade: string;
  gradeLabel: string;
  seed: number;
}

const PHOTOS = [
  "astronaut.png",
  "chelsea.png",
  "coffee.png",
  "rocket.jpg",
  "motorcycle_left.png",
  "retina.jpg",
];
const PATTERNS: SourceKind[] = ["testsrc2", "smptebars", "gradients", "life", "rgbtestsrc", "still"];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length) % xs.length];
const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

/**
 * A strong, mixed-sign grade: temperature, tint, saturation, contrast, highlights and shadows each
 * pushed one way or the other, some far (the measured numbers land over the whole range).
 */
function randomGrade(r: () => number): { filters: string; label: string } {
  const sign = () => (r() < 0.5 ? -1 : 1);
  const far = () => (r() < 0.5 ? 1 : 0.45);
  const temp = Math.round(6500 + sign() * far() * between(r, 1500, 3800));
  const tint = sign() * far() * between(r, 0.12, 0.3);
  const sat = r() < 0.5 ? between(r, 1.4, 2.6) : between(r, 0.15, 0.7);
  const contrast = r() < 0.5 ? between(r, 1.15, 1.6) : between(r, 0.55, 0.85);
  const shadows = sign() * far() * between(r, 0.1, 0.35);
  const highlights = sign() * far() * between(r, 0.1, 0.35);
  const f = (x: number) => x.toFixed(3);
  const filters = [
    `colortemperature=temperature=${temp}`,
    `colorbalance=gm=${f(-tint)}:rm=${f(tint / 2)}:bm=${f(tint / 2)}:rs=${f(shadows)}:gs=${f(shadows)}:bs=${f(shadows)}:rh=${f(highlights)}:gh=${f(highlights)}:bh=${f(highlights)}`,
    `eq=contrast=${f(contrast)}:saturation=${f(sat)}`,
  ].join(",");
  return {
    filters,
    label: `T${temp} tint${f(tint)} sat${f(sat)} con${f(contrast)} sh${f(shadows)} hi${f(highlights)}`,
  };
}

export interface CorpusPair {
  id: number;
  template: ClipSpec;
  source: ClipSpec;
}

/** `count` pairs from `seed`: templates and sources drawn from pools, so clips are shared. */
export function corpusPairs(seed: number, count: number): CorpusPair[] {
  const r = mulberry32(seed);
  const musics: Music[] = ["percussive", "sustained", "speech", "real", "none"];
  const contents: Content[] = ["pattern", "fractal", "noise", "photo", "natural"];
  const cutsKinds: Cuts[] = ["on_beat", "off_beat", "none"];
  const transitions = ["cut", "fade", "wipeleft", "dissolve", "slideright"];
  const templates: ClipSpec[] = Array.from({ length: Math.ceil(count / 2) }, (_, k) => {
    const g = randomGrade(r);
    const cuts = cutsKinds[k % 3];
    return {
      name: `t${k}`,
      content: [pick(r, contents), pick(r, contents), pick(r, contents)],
      seconds: 3,
      music: musics[k % 5],
      bpm: Math.round(between(r, 90, 150)),
      cuts,
      transition: cuts === "none" ? "cut" : pick(r, transitions),
      zoomShare: pick(r, [0, 0.34, 0.67, 1]),
      grade: g.filters,
      gradeLabel: g.label,
      seed: 100 + k,
    };
  });
  const sources: ClipSpec[] = Array.from({ length: Math.ceil(count / 2) }, (_, k) => ({
    name: `s${k}`,
    content: [contents[k % 5], pick(r, contents)],
    seconds: 3,
    music: musics[(k * 3 + 1) % 5],
    bpm: Math.round(between(r, 80, 140)),
    cuts: pick(r, cutsKinds),
    transition: "cut",
    zoomShare: 0,
    grade: "",
    gradeLabel: "",
    seed: 500 + k,
  }));
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    template: templates[i % templates.length],
    source: sources[(i * 7 + Math.floor(i / templates.length)) % sources.length],
  }));
}

/** One shot's chain at CW×CH, CFPS, `frames` long, into [label]. */
function shotChain(c: Content, seed: number, frames: number, zoom: boolean, photos: string, label: string) {
  const r = mulberry32(seed);
  const trim = `trim=end_frame=${frames},setpts=N/FRAME_RATE/TB`;
  let chain: string;
  let inputs: string[] = [];
  switch (c) {
    case "pattern":
      chain = `${source(pick(r, PATTERNS), seed, CW, CH, CFPS)},${trim}`;
      break;
    case "fractal":
      chain = `${source("mandelbrot", seed, CW, CH, CFPS)},${trim}`;
      break;
    case "noise":
      chain = `${source("noise", seed, CW, CH, CFPS)},gblur=sigma=${between(r, 0.5, 2).toFixed(2)},${trim}`;
      break;
    case "natural":
      chain = `nullsrc=s=${CW}x${CH}:r=${CFPS},format=gbrp,geq=r='110+80*sin(X/17+T)*cos(Y/11)':g='100+60*cos((X+2*Y)/23-T)':b='90+70*sin(hypot(X-80,Y-45)/9)',noise=alls=6:allf=t,${trim}`;
      break;
    case "photo": {
      const photo = join(photos, pick(r, PHOTOS));
      inputs = ["-loop", "1", "-framerate", String(CFPS), "-i", photo];
      // a Ken Burns drift over a 2× window, scaled down (area): sub-pixel, smooth
      const vx = between(r, 8, 30).toFixed(2);
      chain = `[IN]scale=${4 * CW}:-2,crop=${2 * CW}:${2 * CH}:x='${Math.round(between(r, 0, CW))}+${vx}*t':y='${Math.round(between(r, 0, 40))}',scale=${CW}:${CH}:flags=area,fps=${CFPS},${trim}`;
      break;
    }
  }
  if (zoom) {
    const z = `pow(1.35,in/${frames - 1})`;
    chain += `,perspective=x0='(W-W/${z})/2':y0='(H-H/${z})/2':x1='(W+W/${z})/2':y1='(H-H/${z})/2':x2='(W-W/${z})/2':y2='(H+H/${z})/2':x3='(W+W/${z})/2':y3='(H+H/${z})/2':interpolation=linear:eval=frame`;
  }
  return { chain: `${chain},format=yuv420p,setsar=1[${label}]`, inputs };
}

/** Cut frames for a spec: on its beats (every 4th), off them (half a beat late), or none. */
export function cutFrames(s: ClipSpec): number[] {
  if (s.cuts === "none") return [];
  const period = 60 / s.bpm;
  const first = s.music === "percussive" || s.music === "sustained" ? 0.3 : 0;
  const off = s.cuts === "off_beat" ? period / 2 : 0;
  const out: number[] = [];
  const total = s.seconds * CFPS;
  for (let k = 1; k <= s.content.length - 1; k++) {
    const f = Math.round(
      CFPS * (first + off + (((k * total) / s.content.length / CFPS / period) | 0) * period),
    );
    if (f > 12 && f < total - 12 && !out.includes(f)) out.push(f);
  }
  return out;
}

async function music(dir: string, s: ClipSpec): Promise<string[]> {
  const wav = join(dir, `${s.name}.wav`);
  switch (s.music) {
    case "none":
      return [];
    case "percussive":
    case "sustained": {
      // drums without chords: a high crest factor; a kick under chords: sustained
      const t = drumTrack({
        bpm: s.bpm,
        seconds: s.seconds + 0.5,
        pattern: s.music === "percussive" ? "rock" : "kick",
        chords: s.music === "sustained",
        seed: s.seed,
      });
      await writePcm(wav, t.samples, t.sampleRate);
      return ["-i", wav];
    }
    case "speech": {
      if (!existsSync(wav))
        await run("espeak-ng", [
          "-w",
          wav,
          "-s",
          "150",
          `Clip ${s.seed}: the quick brown fox jumps over the lazy dog, then waits, and jumps again over the fence.`,
        ]);
      return ["-i", wav];
    }
    case "real":
      return ["-ss", String(10 + (s.seed % 40)), "-i", realMusic(s.seed % 2 ? "main" : "duel")];
  }
}

/** Renders a spec into `dir` (H.264 crf 18, AAC); returns the file. */
export async function makeCorpusClip(dir: string, photos: string, s: ClipSpec): Promise<string> {
  const out = join(dir, `${s.name}.mp4`);
  if (existsSync(out)) return out;
  const total = s.seconds * CFPS;
  const cuts = cutFrames(s);
  const edges = [0, ...cuts, total];
  const shots = edges.length - 1;
  const zooms = Math.round(s.zoomShare * shots);
  const tr = s.transition === "cut" ? 0 : 10; // transition frames
  const inputs: string[] = [];
  const parts: string[] = [];
  for (let k = 0; k < shots; k++) {
    const len = edges[k + 1] - edges[k] + (k > 0 ? tr / 2 : 0) + (k < shots - 1 ? tr / 2 : 0);
    const shot = shotChain(s.content[k % s.content.length], s.seed * 10 + k, len, k < zooms, photos, `s${k}`);
    let chain = shot.chain;
    if (shot.inputs.length) {
      chain = chain.replace("[IN]", `[${inputs.length / 6}:v]`);
      inputs.push(...shot.inputs);
    }
    parts.push(chain);
  }
  let cur = "s0";
  let at = edges[1] ?? total;
  for (let k = 1; k < shots; k++) {
    const next = `c${k}`;
    if (tr === 0) parts.push(`[${cur}][s${k}]concat=n=2:v=1:a=0[${next}]`);
    else
      parts.push(
        `[${cur}][s${k}]xfade=transition=${s.transition}:duration=${tr / CFPS}:offset=${((at - tr / 2) / CFPS).toFixed(4)}[${next}]`,
      );
    cur = next;
    at = edges[k + 1];
  }
  parts.push(`[${cur}]${s.grade ? `${s.grade},` : ""}format=yuv420p[v]`);
  const audio = await music(dir, s);
  const audioIndex = inputs.length / 6;
  await ffmpeg([
    ...inputs,
    ...audio,
    "-filter_complex",
    parts.join(";"),
    "-map",
    "[v]",
    ...(audio.length ? ["-map", `${audioIndex}:a`, "-c:a", "aac", "-b:a", "128k", "-ac", "2"] : []),
    ...["-frames:v", String(total), "-t", String(s.seconds)],
    ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-threads", "1", out],
  ]);
  return out;
}
