import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { renderChunkPart, renderJoinPart, storageKeys } from "@clipzy/contracts";
import { probeMedia } from "@clipzy/media/ffmpeg";
import { decodeFrames } from "@clipzy/media/frame-decoder";
import { recordingContext, stageFixture, writeAnalyses, writeOwnStyle } from "@clipzy/media/stage-fixtures";
import { cutFrames, planChunks, transitionSpans } from "@clipzy/models/edit/chunks";
import { type EditDecisionList, EdlSchema, type EdlSegment } from "@clipzy/models/edit/edl";
import { writeJson } from "@clipzy/platform/artifacts";
import { StageTaskSchema } from "@clipzy/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderingStage } from "./rendering-stage.js";

/**
 * The same EDL rendered whole (one task) and chunked (three chunk tasks and the join), with real
 * ffmpeg on a moving test pattern: zooms cut mid-way by a chunk boundary, a subject path, a
 * dissolve, cuts, the colour filter and the audio. The encode is lossless (CRF 0), so any frame the
 * chunking moved, repeated or dropped, or framed differently, shows as a low PSNR against the whole
 * render's frame; the encoder's own noise would otherwise hide it.
 */
const FPS = 30;
const W = 160;
const H = 90;
const f = await stageFixture("rendering", { seconds: 6, fps: FPS });
const dir = await mkdtemp(join(tmpdir(), "clipzy-chunked-"));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await f.cleanup();
});

/** A segment with the given source span and output start, no zoom and no handles unless `over` says. */
function seg(source_in: number, source_out: number, out_start: number, over: Partial<EdlSegment> = {}) {
  const still = { from: 1, to: 1, cx: 0.5, cy: 0.5 };
  const none = { source: 0, hold: 0 };
  return { source_in, source_out, out_start, zoom: still, pre: none, post: none, score: null, ...over };
}

// 60 frames zooming 1 → 2.5; a 12-frame dissolve centred on frame 60 (blending [54, 66)); 40
// frames punched in, following a path; cut; 50 frames zooming 2 → 1.2; cut; 30 frames from
// earlier in the source, as they are. (A dissolve after a cut is left out: the render graph's
// concat gives a timebase xfade refuses, whole or chunked alike.)
const edl: EditDecisionList = EdlSchema.parse({
  version: 1,
  input_key: f.task.source.storageKey,
  fps: FPS,
  fps_fraction: "30/1",
  source: { width: W, height: H, frames: 180 },
  crop: { width: W, height: H },
  output: { width: W, height: H, frames: 180 },
  segments: [
    seg(0, 60, 0, { zoom: { from: 1, to: 2.5, cx: 0.3, cy: 0.4 }, post: { source: 6, hold: 0 } }),
    seg(70, 110, 60, {
      zoom: {
        from: 1.6,
        to: 1.6,
        cx: 0.5,
        cy: 0.5,
        path: [
          { at: 0, cx: 0.3, cy: 0.4 },
          { at: 39, cx: 0.7, cy: 0.6 },
        ],
      },
      pre: { source: 6, hold: 0 },
    }),
    seg(110, 160, 100, { zoom: { from: 2, to: 1.2, cx: 0.6, cy: 0.5 } }),
    seg(20, 50, 150, {}),
  ],
  boundaries: [
    {
      at: 60,
      transition: { type: "fade", frames: 12, easing: "linear" },
      kind: "source_cut",
      beat_offset_ms: null,
    },
    { at: 100, transition: { type: "cut", frames: 0, easing: "linear" }, kind: "jump", beat_offset_ms: null },
    { at: 150, transition: { type: "cut", frames: 0, easing: "linear" }, kind: "jump", beat_offset_ms: null },
  ],
  beats_ms: [],
  beat_source: "none",
  audio: { mode: "spliced", crossfade_ms: 20, filters: null, bitrate_kbps: 96 },
  colour: {
    transfer: null,
    filter: "eq=saturation=1.3:gamma=1.1",
    lut_key: storageKeys.gradeLut(f.task.jobId),
  },
  encode: { crf: 0, preset: "ultrafast", max_height: 1080 },
  applied: [],
});

const CHUNKS = 3;
const task = (part?: string) => create(StageTaskSchema, { ...f.task, part });
const whole = join(dir, "whole.mp4");
const chunked = join(dir, "chunked.mp4");
const progress: Record<string, number[]> = {};

beforeAll(async () => {
  await writeOwnStyle(f, await writeAnalyses(f));
  await writeJson(f.store, storageKeys.artifact(f.task.jobId, "style_application"), edl);
  const render = renderingStage(f.store);
  const run = async (part?: string) => {
    const r = recordingContext();
    const key = await render(task(part), r.ctx);
    progress[part ?? "whole"] = r.progress;
    return key;
  };
  await copyFile(await f.store.readableLocation(await run()), whole);
  // chunk 1 is delivered twice (a redelivery): it overwrites its own key, never adds to the output
  for (const i of [1, 0, 2, 1]) await run(renderChunkPart(i, CHUNKS));
  await copyFile(await f.store.readableLocation(await run(renderJoinPart(CHUNKS))), chunked);
}, 120_000);

async function frames(file: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const fr of decodeFrames(file, { width: W, height: H })) out.push(Buffer.from(fr));
  return out;
}

const psnr = (a: Buffer, b: Buffer) => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / Math.max(1e-9, se / a.length));
};

const meanDiff = (a: Buffer, b: Buffer) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};

describe("chunked rendering (real ffmpeg)", () => {
  it("moves the boundary at the dissolve out of it; the others cut a path and a zoom mid-way", () => {
    const spans = planChunks(edl, CHUNKS);
    const [blend] = transitionSpans(edl);
    expect(blend).toEqual({ start: 54, end: 66 });
    // the ideal boundaries are 60 (the dissolve's centre: moved to its end, the nearest allowed
    // frame, inside the path) and 120 (inside the 2 → 1.2 zoom)
    expect(spans.map((s) => s.start)).toEqual([0, 66, 120]);
  });

  it("gives the same frame count, every frame within 45 dB PSNR of the whole render's, cuts in the same place", async () => {
    const [a, b] = await Promise.all([frames(whole), frames(chunked)]);
    expect(a).toHaveLength(edl.output.frames);
    expect(b).toHaveLength(edl.output.frames);
    const db = a.map((fa, i) => psnr(fa, b[i]));
    const worst = Math.min(...db);
    if (process.env.CLIPZY_PRINT_FIGURES) console.log(`chunked vs whole: min PSNR ${worst.toFixed(2)} dB`);
    for (const [i, d] of db.entries()) expect(d, `frame ${i}`).toBeGreaterThanOrEqual(45);
    // a one-frame shift would fail the above (the pattern moves every frame); the cuts, found as the
    // largest jumps between consecutive frames, are the EDL's in both
    const cuts = (fs: Buffer[]) =>
      fs
        .slice(1)
        .map((fr, i) => [i + 1, meanDiff(fr, fs[i])] as const)
        .sort((x, y) => y[1] - x[1])
        .slice(0, cutFrames(edl).length)
        .map(([t]) => t)
        .sort((x, y) => x - y);
    expect(cuts(a)).toEqual(cutFrames(edl));
    expect(cuts(b)).toEqual(cutFrames(edl));
  });

  it("muxes audio rendered once over the whole timeline, within a frame of the video", async () => {
    const probe = await probeMedia(chunked);
    const v = probe.streams.find((s) => s.codec_type === "video");
    const a = probe.streams.find((s) => s.codec_type === "audio");
    expect(v && a).toBeTruthy();
    const [vs, vd] = [Number(v?.start_time ?? 0), Number(v?.duration)];
    const [as, ad] = [Number(a?.start_time ?? 0), Number(a?.duration)];
    expect(Math.abs(vs - as)).toBeLessThan(1 / FPS);
    expect(Math.abs(vs + vd - (as + ad))).toBeLessThan(1 / FPS);
    expect(vd).toBeCloseTo(edl.output.frames / FPS, 2);
  });

  it("stores one key per chunk however often a chunk was delivered, and reports each part's progress in order", async () => {
    const keys = (await f.store.list(`artifacts/${f.task.jobId}/render/`)).map((o) => o.key).sort();
    expect(keys).toEqual([0, 1, 2].map((i) => storageKeys.renderChunk(f.task.jobId, i, CHUNKS)));
    for (const [part, p] of Object.entries(progress)) {
      expect(
        [...p].sort((x, y) => x - y),
        part,
      ).toEqual(p);
      expect(p.at(-1), part).toBeGreaterThan(0.9);
    }
  });
});
