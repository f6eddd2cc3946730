import { describe, expect, it } from "vitest";
import { mulberry32 } from "../audio/synth.js";
import {
  chunkEdl,
  chunkEdls,
  firstSourceFrame,
  isChunkBoundary,
  MIN_PIECE,
  planChunks,
  rebaseSource,
  transitionSpans,
} from "./chunks.js";
import { type EditDecisionList, EdlSchema, type EdlSegment } from "./edl.js";

const FPS = 30;

/** An EDL of the given segments (core lengths), joined by the given transitions (0: a cut). */
function makeEdl(
  cores: number[],
  transitions: number[],
  zoom: (k: number) => EdlSegment["zoom"] = () => ({ from: 1, to: 1, cx: 0.5, cy: 0.5 }),
  gap = 0,
): EditDecisionList {
  let out = 0;
  let src = 40;
  const segments = cores.map((len, k) => {
    const pre = k > 0 ? Math.floor(transitions[k - 1] / 2) : 0;
    const post = k < cores.length - 1 ? Math.ceil(transitions[k] / 2) : 0;
    // a handle reaching before the source's start holds its first frame (tpad clones)
    const preSrc = Math.min(pre, src);
    const s: EdlSegment = {
      source_in: src,
      source_out: src + len,
      out_start: out,
      zoom: zoom(k),
      pre: { source: preSrc, hold: pre - preSrc },
      post: { source: post, hold: 0 },
      score: null,
    };
    out += len;
    src += len + post + gap;
    return s;
  });
  return EdlSchema.parse({
    version: 1,
    input_key: "in",
    fps: FPS,
    fps_fraction: "30/1",
    source: { width: 320, height: 180, frames: src + 100 },
    crop: { width: 320, height: 180 },
    output: { width: 320, height: 180, frames: out },
    segments,
    boundaries: transitions.map((F, j) => ({
      at: segments[j + 1].out_start,
      transition: { type: F ? "fade" : "cut", frames: F, easing: "linear" },
      kind: "source_cut",
      beat_offset_ms: null,
    })),
    beats_ms: [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000],
    beat_source: "none",
    audio: { mode: "continuous", crossfade_ms: 0, filters: null, bitrate_kbps: 96 },
    colour: { transfer: null, filter: null, lut_key: "lut" },
    encode: { crf: 20, preset: "ultrafast", max_height: 1080 },
    applied: [],
  });
}

/**
 * What every output frame of every segment's branch shows, as the render graph draws it: the
 * output frame, the source frame (handles hold their edge frame) and the zoom's scale and path
 * centre. A chunk must draw exactly these, shifted to its own timeline.
 */
function drawn(edl: EditDecisionList, shift = 0) {
  const rows: string[] = [];
  for (const s of edl.segments) {
    const pre = s.pre.source + s.pre.hold;
    const n = pre + s.source_out - s.source_in + s.post.source + s.post.hold;
    for (let i = 0; i < n; i++) {
      const t = s.out_start - pre + i + shift;
      const first = s.source_in - s.pre.source;
      const src = Math.min(s.source_out + s.post.source - 1, Math.max(first, first + i - s.pre.hold));
      const { from, to, span } = s.zoom;
      const [k, of] = [i + (span?.first ?? 0), span?.of ?? n];
      const scale = from * (to / from) ** Math.min(1, k / Math.max(1, of - 1));
      // a path keyframe `at` counts from source_in: branch frame i is path frame i − pre
      const p = s.zoom.path;
      let cx = s.zoom.cx;
      if (p) {
        const f = i - pre;
        cx = p[0].cx;
        for (let j = 0; j + 1 < p.length; j++)
          cx +=
            (p[j + 1].cx - p[j].cx) *
            Math.min(1, Math.max(0, (f - p[j].at) / Math.max(1, p[j + 1].at - p[j].at)));
      }
      rows.push(`${t}:${src}:${scale.toFixed(9)}:${cx.toFixed(9)}`);
    }
  }
  return rows.sort();
}

describe("chunk boundaries", () => {
  it("moves a boundary that would fall inside a dissolve out of it, onto the nearest allowed frame", () => {
    // 60 + 60 frames with a 20-frame dissolve centred on frame 60: blended frames [50, 70)
    const edl = makeEdl([60, 60], [20]);
    expect(transitionSpans(edl)).toEqual([{ start: 50, end: 70 }]);
    for (const c of [50, 55, 60, 69]) expect(isChunkBoundary(edl, c)).toBe(false);
    expect(isChunkBoundary(edl, 49)).toBe(true);
    expect(isChunkBoundary(edl, 70)).toBe(true);
    // two chunks: the ideal boundary is frame 60, the dissolve's centre
    const spans = planChunks(edl, 2);
    expect(spans).toHaveLength(2);
    const c = spans[0].end;
    expect(c === 49 || c === 70).toBe(true);
    expect(Math.abs(c - 60)).toBe(Math.min(60 - 49, 70 - 60));
    expect(spans[1]).toEqual({ start: c, end: 120 });
  });

  it("prefers a cut near the ideal boundary to a frame inside a segment", () => {
    // cut at 55, ideal boundary at 60 (within a quarter chunk, 15 frames)
    const edl = makeEdl([55, 65], [0]);
    expect(planChunks(edl, 2)).toEqual([
      { start: 0, end: 55 },
      { start: 55, end: 120 },
    ]);
    // a cut 25 frames away is too far: the boundary goes inside the segment at the ideal frame
    expect(planChunks(makeEdl([35, 85], [0]), 2)[0].end).toBe(60);
  });

  it("keeps at least MIN_PIECE core frames on each side of a boundary inside a segment", () => {
    const edl = makeEdl([61, 59], [0]);
    expect(isChunkBoundary(edl, 61 - MIN_PIECE + 1)).toBe(false);
    expect(isChunkBoundary(edl, 61 - MIN_PIECE)).toBe(true);
    expect(isChunkBoundary(edl, 61)).toBe(true); // the cut itself
  });

  it("gives fewer chunks only when there are too few allowed boundaries", () => {
    const edl = makeEdl([4], []);
    expect(planChunks(edl, 10).map((s) => s.end - s.start)).toEqual([2, 2]);
    expect(planChunks(makeEdl([90], []), 1)).toEqual([{ start: 0, end: 90 }]);
  });
});

describe("chunk EDLs", () => {
  it("marks a zoom cut mid-segment as frames of the whole zoom (the same from → to over the same n)", () => {
    const edl = makeEdl([100], [], () => ({ from: 1, to: 2, cx: 0.4, cy: 0.6 }));
    const [a, b] = [chunkEdl(edl, { start: 0, end: 30 }), chunkEdl(edl, { start: 30, end: 100 })];
    expect(a.segments[0].zoom).toEqual({ from: 1, to: 2, cx: 0.4, cy: 0.6, span: { first: 0, of: 100 } });
    expect(b.segments[0].zoom).toEqual({ from: 1, to: 2, cx: 0.4, cy: 0.6, span: { first: 30, of: 100 } });
    expect(b.segments[0].source_in).toBe(40 + 30);
    expect([a.output.frames, b.output.frames]).toEqual([30, 70]);
  });

  it("shifts a subject path by the frames trimmed off the head", () => {
    const path = [
      { at: 0, cx: 0.2, cy: 0.5 },
      { at: 80, cx: 0.8, cy: 0.5 },
    ];
    const edl = makeEdl([100], [], () => ({ from: 1.5, to: 1.5, cx: 0.5, cy: 0.5, path }));
    const b = chunkEdl(edl, { start: 30, end: 100 });
    expect(b.segments[0].zoom.path?.map((p) => p.at)).toEqual([-30, 50]);
    expect(drawn(b, 30)).toEqual(drawn(edl).filter((r) => Number(r.split(":")[0]) >= 30));
  });

  it("rebases source frames for a render of the source seeked to the chunk's first frame", () => {
    const edl = chunkEdl(makeEdl([50, 50], [10]), { start: 60, end: 100 });
    const origin = firstSourceFrame(edl);
    const moved = rebaseSource(edl, origin);
    expect(firstSourceFrame(moved)).toBe(0);
    expect(moved.segments[0].source_in).toBe(edl.segments[0].source_in - origin);
  });

  it("over 300 seeded random edits: boundaries never inside a transition, frames sum exactly, every frame drawn as the whole edit draws it", () => {
    const rand = mulberry32(23);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    let boundaries = 0;
    let moved = 0;
    for (let trial = 0; trial < 300; trial++) {
      const K = int(1, 9);
      const cores = Array.from({ length: K }, () => int(12, 90));
      const transitions = Array.from({ length: K - 1 }, () => (rand() < 0.5 ? 0 : int(1, 20)));
      const zoom = () =>
        rand() < 0.4
          ? { from: 1 + rand() * 3, to: 1 + rand() * 3, cx: rand(), cy: rand() }
          : rand() < 0.5
            ? {
                from: 1.25,
                to: 1.25,
                cx: 0.5,
                cy: 0.5,
                path: [
                  { at: int(-5, 10), cx: rand(), cy: rand() },
                  { at: int(20, 60), cx: rand(), cy: rand() },
                ],
              }
            : { from: 1, to: 1, cx: 0.5, cy: 0.5 };
      const edl = makeEdl(cores, transitions, zoom, int(0, 30));
      const count = int(1, 8);
      const spans = planChunks(edl, count);
      const T = edl.output.frames;
      expect(spans[0].start).toBe(0);
      expect(spans.at(-1)?.end).toBe(T);
      expect(spans.reduce((s, x) => s + x.end - x.start, 0)).toBe(T);
      const blends = transitionSpans(edl);
      for (let i = 1; i < spans.length; i++) {
        const c = spans[i].start;
        expect(spans[i - 1].end).toBe(c);
        expect(blends.some((t) => c >= t.start && c < t.end)).toBe(false);
        const target = Math.round((i * T) / count);
        if (blends.some((t) => target >= t.start && target < t.end)) moved++;
        boundaries++;
      }
      // as many chunks as asked for whenever the edit has room for them
      if (T >= count * 4 * MIN_PIECE && transitions.every((F) => F === 0)) expect(spans).toHaveLength(count);
      const chunks = chunkEdls(edl, count);
      expect(chunks.reduce((s, e) => s + e.output.frames, 0)).toBe(T);
      const whole = drawn(edl);
      const pieces = chunks.flatMap((e, i) => {
        expect(() => EdlSchema.parse(e)).not.toThrow();
        return drawn(e, spans[i].start);
      });
      expect(pieces.sort()).toEqual(whole);
    }
    expect(boundaries).toBeGreaterThan(300);
    expect(moved).toBeGreaterThan(10); // targets inside transitions did occur, and were moved out
  });
});
