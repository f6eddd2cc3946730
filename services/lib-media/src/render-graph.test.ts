import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeMedia, runFfmpeg, spawnFfmpeg } from "@clipzy/media/ffmpeg";
import { type EditDecisionList, EdlSchema, type EdlSegment } from "@clipzy/models/edit/edl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderArgs } from "./render-graph.js";

/**
 * The renderer executing edit decision lists with real ffmpeg, on a source whose every frame
 * says its own number: the left half's grey level is 20 + 7·(n mod 30), the right half's
 * 20 + 30·⌊n/30⌋ (readable through crops and punch-ins, which keep the halves apart), with a
 * 440 Hz tone. So the output shows exactly which source frame each output frame is.
 */
const W = 160;
const H = 90;
const FPS = 30;
const FRAMES = 240;
const dir = mkdtempSync(join(tmpdir(), "clipzy-render-"));
const src = join(dir, "src.mp4");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await runFfmpeg([
    "-nostdin",
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `nullsrc=s=${W}x${H}:r=${FPS},format=yuv420p,geq=lum='if(lt(X,W/2),20+7*mod(N,30),20+30*floor(N/30))':cb=128:cr=128`,
    "-f",
    "lavfi",
    "-i",
    "sine=f=440:r=48000,volume=0.5",
    "-frames:v",
    String(FRAMES),
    "-t",
    String(FRAMES / FPS),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-qp",
    "0",
    "-c:a",
    "aac",
    "-b:a",
    "256k",
    src,
  ]);
});

const seg = (
  source_in: number,
  source_out: number,
  out_start: number,
  over: Partial<EdlSegment> = {},
): EdlSegment => ({
  source_in,
  source_out,
  out_start,
  zoom: { from: 1, to: 1, cx: 0.5, cy: 0.5 },
  pre: { source: 0, hold: 0 },
  post: { source: 0, hold: 0 },
  score: null,
  ...over,
});

/** A jump boundary at output frame `at` with a linear transition. */
const jump = (at: number, type: "cut" | "fade", frames: number): EditDecisionList["boundaries"][number] => ({
  at,
  transition: { type, frames, easing: "linear" },
  kind: "jump",
  beat_offset_ms: null,
});

const edl = (over: Partial<EditDecisionList>): EditDecisionList =>
  EdlSchema.parse({
    version: 1,
    input_key: "x",
    fps: FPS,
    fps_fraction: "30/1",
    source: { width: W, height: H, frames: FRAMES },
    crop: { width: W, height: H },
    output: { width: W, height: H, frames: 0 },
    segments: [],
    boundaries: [],
    beats_ms: [],
    beat_source: "none",
    audio: { mode: "continuous", crossfade_ms: 0, filters: null, bitrate_kbps: 128 },
    colour: { transfer: null, filter: null, lut_key: "artifacts/j/grade.cube" },
    encode: { crf: 18, preset: "ultrafast", max_height: 1080 },
    applied: [],
    ...over,
  });

async function render(e: EditDecisionList, name: string): Promise<string> {
  const out = join(dir, name);
  await runFfmpeg(renderArgs(e, src, out).filter((a) => a !== "-progress" && a !== "pipe:1"));
  return out;
}

/** ffmpeg's raw output of a file in a format (`-f …` arguments), in memory. */
async function decode(file: string, format: string[]): Promise<Buffer> {
  const tool = spawnFfmpeg(["-v", "error", "-i", file, ...format, "pipe:1"]);
  const chunks: Buffer[] = [];
  tool.stdout.on("data", (c: Buffer) => chunks.push(c));
  await tool.done;
  return Buffer.concat(chunks);
}

/** The source frame number each output frame shows (−1 where it is a blend). */
async function frameNumbers(file: string, w: number, h: number): Promise<number[]> {
  const buf = await decode(file, ["-f", "rawvideo", "-pix_fmt", "yuv420p"]);
  const out: number[] = [];
  // the luma plane of each yuv420p frame, as coded (no range conversion)
  for (let o = 0; o + (w * h * 3) / 2 <= buf.length; o += (w * h * 3) / 2) {
    const at = (x: number) => buf[o + Math.floor(h / 2) * w + Math.floor(x)];
    const lo = (at(w * 0.2) - 20) / 7;
    const hi = (at(w * 0.8) - 20) / 30;
    const clean = Math.abs(lo - Math.round(lo)) < 0.25 && Math.abs(hi - Math.round(hi)) < 0.1;
    out.push(clean ? 30 * Math.round(hi) + Math.round(lo) : -1);
  }
  return out;
}

async function streamSeconds(file: string, stream: "v" | "a"): Promise<number> {
  const kind = stream === "v" ? "video" : "audio";
  return Number((await probeMedia(file)).streams?.find((s) => s.codec_type === kind)?.duration);
}

async function pcm(file: string): Promise<Float32Array> {
  const b = await decode(file, ["-f", "f32le", "-ac", "1", "-ar", "48000"]);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

describe("rendering an edit decision list", () => {
  it("plays exactly the planned source frames through cuts and jumps, audio as long as video", async () => {
    // 0–60 in place, a jump to 100–150, a punch-in on 150–200 (continuous source)
    const e = edl({
      output: { width: W, height: H, frames: 170 },
      segments: [
        seg(0, 60, 0),
        seg(100, 150, 60),
        seg(150, 210, 110, { zoom: { from: 1.25, to: 1.25, cx: 0.5, cy: 0.5 } }),
      ],
      boundaries: [
        {
          at: 60,
          transition: { type: "cut", frames: 0, easing: "linear" },
          kind: "jump",
          beat_offset_ms: null,
        },
        {
          at: 110,
          transition: { type: "cut", frames: 0, easing: "linear" },
          kind: "punch_in",
          beat_offset_ms: null,
        },
      ],
    });
    const out = await render(e, "cuts.mp4");
    const seen = await frameNumbers(out, W, H);
    const planned = [
      ...Array.from({ length: 60 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => 100 + i),
      ...Array.from({ length: 60 }, (_, i) => 150 + i),
    ];
    expect(seen).toEqual(planned);
    const v = await streamSeconds(out, "v");
    const a = await streamSeconds(out, "a");
    expect(v).toBeCloseTo(170 / FPS, 2);
    // audio/video drift under one frame
    expect(Math.abs(a - v)).toBeLessThan(1 / FPS);
  });

  it("dissolves with handles centred on the cut, holding the edge frame where the plan says so", async () => {
    const e = edl({
      output: { width: W, height: H, frames: 120 },
      segments: [
        seg(0, 60, 0, { post: { source: 3, hold: 2 } }),
        seg(120, 180, 60, { pre: { source: 5, hold: 0 } }),
      ],
      boundaries: [
        {
          at: 60,
          transition: { type: "fade", frames: 10, easing: "linear" },
          kind: "jump",
          beat_offset_ms: null,
        },
      ],
    });
    const seen = await frameNumbers(await render(e, "dissolve.mp4"), W, H);
    expect(seen).toHaveLength(120);
    // before the transition: source 0..54; after: 125..179 (the incoming core from frame 65 on)
    expect(seen.slice(0, 55)).toEqual(Array.from({ length: 55 }, (_, i) => i));
    expect(seen.slice(65)).toEqual(Array.from({ length: 55 }, (_, i) => 125 + i));
    // inside: blends, neither side's frame (the outgoing side ran 0..62 then held 62 twice; the
    // incoming one started at 115)
    for (let i = 56; i < 65; i++) {
      expect(seen[i]).not.toBe(Math.min(i, 62));
      expect(seen[i]).not.toBe(i + 60);
    }
  });

  it("blends only the transition frames, at xfade's weights, and keeps every other frame in 4:2:0", async () => {
    // dissolves of 10 frames at 60 and 110, a cut at 130: source 0–64 | 95–154 | 205–230 | 40–70
    const e = edl({
      output: { width: W, height: H, frames: 160 },
      segments: [
        seg(0, 60, 0, { post: { source: 5, hold: 0 } }),
        seg(100, 150, 60, { pre: { source: 5, hold: 0 }, post: { source: 5, hold: 0 } }),
        seg(210, 230, 110, { pre: { source: 5, hold: 0 } }),
        seg(40, 70, 130),
      ],
      boundaries: [60, 110]
        .map((at) => ({
          at,
          transition: { type: "fade", frames: 10, easing: "linear" as const },
          kind: "jump" as const,
          beat_offset_ms: null,
        }))
        .concat([
          {
            at: 130,
            transition: { type: "cut", frames: 0, easing: "linear" },
            kind: "jump",
            beat_offset_ms: null,
          },
        ]),
    });
    const args = renderArgs(e, src, "x.mp4");
    const graph = args[args.indexOf("-filter_complex") + 1];
    // 4:4:4 only on the four pieces that blend, and one concat of all the pieces
    expect(graph.match(/format=yuv444p/g)).toHaveLength(4);
    expect(graph.match(/concat=/g)).toHaveLength(1);
    const out = await render(e, "blends.mp4");
    const seen = await frameNumbers(out, W, H);
    expect(seen).toHaveLength(160);
    // the planned source frame of output frame t in each segment (handles included)
    const at = (t: number) => (t < 60 ? t : t < 110 ? t + 40 : t < 130 ? t + 100 : t - 90);
    const blend = (t: number) => (t >= 55 && t < 65) || (t >= 105 && t < 115);
    for (let t = 0; t < 160; t++) if (!blend(t) || t === 55 || t === 105) expect(seen[t]).toBe(at(t));
    // inside: the outgoing frame weighted 1 − i/10, the incoming i/10 (left half's level)
    // the luma plane as coded (yuv420p: gray would be expanded to full range)
    const yuv = await decode(out, ["-f", "rawvideo", "-pix_fmt", "yuv420p"]);
    const left = (n: number) => 20 + 7 * (n % 30);
    for (const [start, outgoing, incoming] of [
      [55, 0, 40],
      [105, 40, 100],
    ]) {
      for (let i = 0; i < 10; i++) {
        const t = start + i;
        const got = yuv[(t * W * H * 3) / 2 + (H / 2) * W + W * 0.2];
        const want = left(t + outgoing) * (1 - i / 10) + left(t + incoming) * (i / 10);
        expect(Math.abs(got - want)).toBeLessThan(3);
      }
    }
  });

  it("dissolves after a cut: every xfade input on the edit's timebase", async () => {
    // xfade refuses inputs on different timebases; concat outputs on 1/1000000, so no concat may
    // come before an xfade (an older graph, concatenating and blending boundary by boundary, did)
    const e = edl({
      output: { width: W, height: H, frames: 120 },
      segments: [
        seg(0, 40, 0),
        seg(100, 140, 40, { post: { source: 5, hold: 0 } }),
        seg(180, 220, 80, { pre: { source: 5, hold: 0 } }),
      ],
      boundaries: [jump(40, "cut", 0), jump(80, "fade", 10)],
    });
    const out = await render(e, "cut-then-dissolve.mp4");
    const seen = await frameNumbers(out, W, H);
    expect(seen).toHaveLength(120);
    // the cut exact; the dissolve's outgoing core runs to 134, the incoming one from 185
    expect(seen.slice(0, 75)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      ...Array.from({ length: 35 }, (_, i) => 100 + i),
    ]);
    expect(seen.slice(85)).toEqual(Array.from({ length: 35 }, (_, i) => 185 + i));
    // inside: blends, neither side's frame (outgoing 100 + (i − 40), incoming 175 + (i − 75))
    for (let i = 76; i < 85; i++) {
      expect(seen[i]).not.toBe(60 + i);
      expect(seen[i]).not.toBe(100 + i);
    }
    const v = await streamSeconds(out, "v");
    expect(Math.abs((await streamSeconds(out, "a")) - v)).toBeLessThan(1 / FPS);
  });

  it("splices audio where time is removed with a crossfade: no click", async () => {
    const e = edl({
      output: { width: W, height: H, frames: 120 },
      segments: [seg(0, 60, 0), seg(97, 157, 60)],
      boundaries: [
        {
          at: 60,
          transition: { type: "cut", frames: 0, easing: "linear" },
          kind: "jump",
          beat_offset_ms: null,
        },
      ],
      audio: { mode: "spliced", crossfade_ms: 20, filters: null, bitrate_kbps: 192 },
    });
    const out = await render(e, "splice.mp4");
    const s = await pcm(out);
    // a 0.5-amplitude 440 Hz sine changes by at most 0.029 a sample; a butt splice of these two
    // spans jumps by up to 1.0 (37 frames apart: the phases differ by 0.3 of a period)
    const cut = Math.round(2 * 48000);
    let maxDiff = 0;
    for (let i = cut - 2400; i < cut + 2400; i++) maxDiff = Math.max(maxDiff, Math.abs(s[i] - s[i - 1]));
    expect(maxDiff).toBeLessThan(0.06);
    expect(Math.abs(s.length / 48000 - 4)).toBeLessThan(1 / FPS);
  });

  it("zooms through a per-frame scale of the box and a crop, centred on the subject", async () => {
    const e = edl({
      output: { width: W, height: H, frames: 60 },
      segments: [seg(0, 60, 0, { zoom: { from: 1, to: 1.3, cx: 0.3, cy: 0.5 } })],
    });
    const args = renderArgs(e, src, "out.mp4");
    const graph = args[args.indexOf("-filter_complex") + 1];
    expect(graph).not.toContain("perspective=");
    expect(graph).toMatch(
      /scale=w='[^']+':h='[^']+':eval=frame:flags=\w+,crop=1920:1080:x='[^']+':y='[^']+':exact=1/,
    );
    const seen = await frameNumbers(await render(e, "zoom.mp4"), W, H);
    expect(seen).toHaveLength(60);
  });
});
