import type { EditDecisionList, EdlSegment, EdlZoom } from "./edl.js";

/**
 * Chunked rendering: an edit decision list split into chunks of about equal output-frame counts,
 * each chunk itself an EDL (a sub-EDL) that the one render graph executes as it executes any EDL.
 * Pure functions, no I/O.
 *
 * A chunk boundary never falls inside a transition: an xfade blends output frames
 * [at − ⌊F/2⌋, at − ⌊F/2⌋ + F) (its span, handles included), and a boundary c is allowed only
 * before a span (c < start) or at or after its end (c ≥ end). Cuts are preferred: a cut within a
 * quarter of a chunk of the ideal boundary is taken before any frame inside a segment. A boundary
 * inside a segment leaves at least MIN_PIECE frames of its core on each side, so a zoom cut there
 * still has two frames to run from→to over.
 *
 * A chunk's first and last segments are trimmed exactly: a zoom runs from → to at a constant
 * geometric rate over the n frames its branch draws (handles included), so the branch frames
 * [k0, k1] it keeps are marked as frames k0.. of the n (EdlZoom.span) rather than re-parameterised:
 * the render then crops and rounds the very windows the whole render does; a subject path's
 * keyframes are counted from source_in, so they shift back by the frames trimmed off the head. Output frame t of the whole edit is frame
 * t − start of its chunk, showing the same source frame framed the same way.
 */

/** Output frames [start, end) of the edit. */
export interface FrameSpan {
  start: number;
  end: number;
}

/** Core frames a boundary inside a segment leaves on each side of it. */
export const MIN_PIECE = 2;

/** The output frames each transition blends (cuts blend none), in order. */
export function transitionSpans(edl: EditDecisionList): FrameSpan[] {
  return edl.boundaries.flatMap((b) => {
    const F = b.transition.type === "cut" ? 0 : b.transition.frames;
    if (F === 0) return [];
    const start = b.at - Math.floor(F / 2);
    return [{ start, end: start + F }];
  });
}

/** Output frames of the cuts (boundaries without a transition). */
export function cutFrames(edl: EditDecisionList): number[] {
  return edl.boundaries
    .filter((b) => b.transition.type === "cut" || b.transition.frames === 0)
    .map((b) => b.at);
}

const coreLength = (s: EdlSegment) => s.source_out - s.source_in;

/** Whether a chunk may end before output frame c (and the next begin at it). */
export function isChunkBoundary(edl: EditDecisionList, c: number): boolean {
  if (!Number.isInteger(c) || c <= 0 || c >= edl.output.frames) return false;
  if (transitionSpans(edl).some((t) => c >= t.start && c < t.end)) return false;
  if (cutFrames(edl).includes(c)) return true;
  const s = edl.segments.find((g) => c > g.out_start && c < g.out_start + coreLength(g));
  return s !== undefined && c - s.out_start >= MIN_PIECE && s.out_start + coreLength(s) - c >= MIN_PIECE;
}

/**
 * The edit split into at most `count` chunks of about equal output frames, tiling [0, frames).
 * The i-th boundary is the allowed frame nearest to i·frames/count, or a cut within a quarter of
 * a chunk of it when there is one (the nearest such cut). Fewer chunks only when the edit has too
 * few allowed boundaries (a very short edit, or one that is mostly transitions).
 */
export function planChunks(edl: EditDecisionList, count: number): FrameSpan[] {
  const T = edl.output.frames;
  const n = Math.max(1, Math.floor(count));
  const L = T / n;
  const cuts = cutFrames(edl);
  const bounds: number[] = [];
  for (let i = 1; i < n; i++) {
    const prev = bounds.at(-1) ?? 0;
    const target = Math.round(i * L);
    const ok = (c: number) => c > prev && isChunkBoundary(edl, c);
    const nearCut = cuts
      .filter((c) => Math.abs(c - target) <= L / 4 && ok(c))
      .sort((a, b) => Math.abs(a - target) - Math.abs(b - target) || a - b)[0];
    let c = nearCut;
    for (let d = 0; c === undefined && d < T; d++) {
      if (ok(target - d)) c = target - d;
      else if (ok(target + d)) c = target + d;
    }
    if (c === undefined) break;
    bounds.push(c);
  }
  const edges = [0, ...bounds, T];
  return edges.slice(1).map((end, i) => ({ start: edges[i], end }));
}

/** A zoom keeping branch frames [k0, k1] of the n its segment draws: the same frames of the same zoom. */
function trimZoom(z: EdlZoom, n: number, k0: number, k1: number, d: number): EdlZoom {
  const path = z.path && d !== 0 ? { path: z.path.map((p) => ({ ...p, at: p.at - d })) } : {};
  if (z.from === z.to || (k0 === 0 && k1 === n - 1)) return { ...z, ...path };
  return { ...z, ...path, span: { first: (z.span?.first ?? 0) + k0, of: z.span?.of ?? n } };
}

/** Frames a segment's branch draws: its handles and its core. */
const branchFrames = (s: EdlSegment) =>
  s.pre.source + s.pre.hold + coreLength(s) + s.post.source + s.post.hold;

/**
 * The chunk [start, end) of the edit as an EDL of its own: the segments whose core it overlaps,
 * the first and last trimmed to it (dropping the handles beyond it, which belong to no transition
 * of the chunk since boundaries are never inside one), boundaries and beats shifted to the chunk's
 * timeline. The span's ends must be allowed boundaries (isChunkBoundary) or the edit's ends.
 */
export function chunkEdl(edl: EditDecisionList, span: FrameSpan): EditDecisionList {
  const { start: a, end: b } = span;
  const ks = edl.segments.flatMap((s, k) => (s.out_start < b && s.out_start + coreLength(s) > a ? [k] : []));
  const segments = ks.map((k): EdlSegment => {
    const s = edl.segments[k];
    const len = coreLength(s);
    const head = Math.max(0, a - s.out_start); // core frames trimmed off the head
    const tail = Math.max(0, s.out_start + len - b); // and off the tail
    const pre = s.pre.source + s.pre.hold;
    const n = branchFrames(s);
    const k0 = head > 0 ? pre + head : 0;
    const k1 = tail > 0 ? pre + len - tail - 1 : n - 1;
    return {
      ...s,
      source_in: s.source_in + head,
      source_out: s.source_out - tail,
      out_start: Math.max(s.out_start, a) - a,
      zoom: trimZoom(s.zoom, n, k0, k1, head),
      pre: head > 0 ? { source: 0, hold: 0 } : s.pre,
      post: tail > 0 ? { source: 0, hold: 0 } : s.post,
    };
  });
  const boundaries = ks.slice(1).map((k) => ({ ...edl.boundaries[k - 1], at: edl.boundaries[k - 1].at - a }));
  const [ms0, ms1] = [(a / edl.fps) * 1000, (b / edl.fps) * 1000];
  return {
    ...edl,
    output: { ...edl.output, frames: b - a },
    segments,
    boundaries,
    beats_ms: edl.beats_ms.filter((t) => t >= ms0 && t < ms1).map((t) => t - ms0),
  };
}

/** The chunks of the edit as EDLs, in order (planChunks then chunkEdl). */
export function chunkEdls(edl: EditDecisionList, count: number): EditDecisionList[] {
  return planChunks(edl, count).map((span) => chunkEdl(edl, span));
}

/** The first source frame the edit's render reads (a segment's core or its handle from the source). */
export function firstSourceFrame(edl: EditDecisionList): number {
  return Math.min(...edl.segments.map((s) => s.source_in - s.pre.source));
}

/**
 * The edit with its source frames counted from `origin` instead of the file's start: what a render
 * of the source seeked to frame `origin` executes (source frames before it are never read).
 */
export function rebaseSource(edl: EditDecisionList, origin: number): EditDecisionList {
  if (origin === 0) return edl;
  return {
    ...edl,
    source: { ...edl.source, frames: Math.max(0, edl.source.frames - origin) },
    segments: edl.segments.map((s) => ({
      ...s,
      source_in: s.source_in - origin,
      source_out: s.source_out - origin,
    })),
  };
}
