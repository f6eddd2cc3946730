import type { SubjectCandidate } from "../video/motion-features.js";
import type { SubjectTrack, SubjectTrackPoint } from "./subject-track-types.js";

/**
 * Per-frame subject candidates (movers, video/subject.ts; salient regions, video/saliency.ts)
 * linked into one track per shot.
 *
 * 1. The subject's path is the best chain of candidates through the shot, at most one a frame,
 *    found by dynamic programming over all of them (a Viterbi search, so one strong stretch is
 *    not given up for a nearer weak one, and a wrong turn early does not decide the rest). A
 *    chain's score is the sum of its candidates' worth minus the cost of each step:
 *    - worth: strength × cue (a salient region counts SALIENCY_WEIGHT of a mover) × size (the
 *      square root of its area against 1/40 of the frame, within SIZE_RANGE) × centrality
 *      (1 − its distance from the centre, as a share of the half-diagonal, × 0.5). Persistence
 *      is the sum itself: what is seen on more frames collects more;
 *    - a step from a candidate to one up to STOP_SECONDS later (so a subject that stops, and so
 *      leaves no residual, is held where it stopped until it moves again) costs STEP_COST × its
 *      length (frame widths), plus JUMP_COST × how far it goes beyond what the subject can cover
 *      (GATE of the frame width or 0.75 of its size, and SPEED frame widths a second over at most
 *      REACH_SECONDS of the gap), capped at MAX_JUMP (the chain may drop one subject for
 *      another, at a price).
 *    A chain may start and end anywhere; with no mover in the shot it is made of salient regions
 *    alone (the saliency fallback). Same-frame candidates of the other cue within the gate of
 *    the chain's own join it (its colour region beside its motion).
 * 2. The chain's candidates are smoothed over ±SMOOTH_SECONDS (centre weighted by strength and
 *    by how much of the chain's usual extent, its USUAL_SIZE_QUANTILE, the box spans: one edge
 *    of a plain subject says less of its centre than a box around it; median size) and sampled POINTS_PER_SECOND times a second; samples with none near them take the
 *    line between their neighbours. A shot gets a track when its chain shows on MIN_COVERAGE of
 *    its frames and its points' median confidence reaches MIN_TRACK_CONFIDENCE. Confidence is
 *    the summed strength near the point (at most 1) over the frames near it.
 */
export const MIN_COVERAGE = 0.3;
/**
 * Median point confidence below which a shot's candidates are texture changing, not a subject:
 * measured 0.23 (10th percentile) and 0.44 (median) on the tracking test's object under a pan,
 * 0.017 (median) and 0.04 (90th percentile) on an evolving fractal with no subject.
 */
export const MIN_TRACK_CONFIDENCE = 0.1;
export const SMOOTH_SECONDS = 0.2;
export const POINTS_PER_SECOND = 10;
export const GATE = 0.12;
export const STOP_SECONDS = 3;
export const SALIENCY_WEIGHT = 0.5;
export const SIZE_RANGE = [0.7, 1.4] as const;
export const STEP_COST = 1;
export const FLOOR = 0.02;
export const JUMP_COST = 10;
export const MAX_JUMP = 2;
export const SPEED = 0.6;
export const REACH_SECONDS = 0.3;
export const USUAL_SIZE_QUANTILE = 0.8;
/** A local line needs its candidates' frames spread by at least this (weighted variance, frames²). */
export const MIN_SPREAD = 1;
/** A salient region's worth where no mover is at its place: this share of it (see subjectChain). */
export const UNMOVED_SHARE = 0.25;
/** Frames either side in which a mover at a salient region's place counts for it. */
export const COINCIDE_FRAMES = 2;

export interface FrameCandidate extends SubjectCandidate {
  frame: number;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function buildSubjectTracks(
  candidates: readonly FrameCandidate[],
  shots: readonly { start_frame: number; end_frame: number }[],
  size: { width: number; height: number; fps: number },
): SubjectTrack[] {
  const { fps } = size;
  const tracks: SubjectTrack[] = [];
  for (const shot of shots) {
    const length = shot.end_frame - shot.start_frame;
    const inShot = candidates.filter((d) => d.frame >= shot.start_frame && d.frame < shot.end_frame);
    if (length <= 0 || inShot.length === 0) continue;
    const chain = subjectChain(inShot, size);
    const frames = new Set(chain.map((d) => d.frame)).size;
    if (frames < Math.max(5, MIN_COVERAGE * length)) continue;
    const track = sampleTrack(chain, shot, size, Math.max(1, Math.round(SMOOTH_SECONDS * fps)));
    if (track) tracks.push(track);
  }
  return tracks;
}

/** The chosen subject's candidates in one shot, in frame order (step 1 above). */
export function subjectChain(
  inShot: readonly FrameCandidate[],
  size: { width: number; height: number; fps: number },
): FrameCandidate[] {
  const { width, height, fps } = size;
  const nodes = [...inShot].sort((a, b) => a.frame - b.frame || b.strength - a.strength);
  const n = nodes.length;
  if (n === 0) return [];
  const frameArea = width * height;
  const halfDiagonal = Math.hypot(width, height) / 2;
  const gateOf = (a: FrameCandidate, b: FrameCandidate) =>
    Math.max(GATE * width, 0.75 * Math.max(a.w, a.h, b.w, b.h));
  const moved = movedAt(nodes);
  const worth = nodes.map((p, i) => {
    const sizeFactor = Math.min(
      SIZE_RANGE[1],
      Math.max(SIZE_RANGE[0], Math.sqrt((p.w * p.h) / (frameArea / 40))),
    );
    const off = Math.min(1, Math.hypot(p.cx - width / 2, p.cy - height / 2) / halfDiagonal);
    const cue = p.cue === "motion" ? 1 : SALIENCY_WEIGHT * (UNMOVED_SHARE + (1 - UNMOVED_SHARE) * moved[i]);
    return p.strength * cue * sizeFactor * (1 - 0.5 * off) - FLOOR;
  });
  const maxGap = Math.max(1, Math.round(STOP_SECONDS * fps));
  const reachFrames = Math.max(1, Math.round(REACH_SECONDS * fps));
  const perFrame = (SPEED * width) / fps;
  const stepCost = (a: FrameCandidate, b: FrameCandidate) => {
    const d = Math.hypot(a.cx - b.cx, a.cy - b.cy);
    const reach = gateOf(a, b) + perFrame * Math.min(reachFrames, b.frame - a.frame);
    return (STEP_COST * d) / width + Math.min(MAX_JUMP, (JUMP_COST * Math.max(0, d - reach)) / width);
  };
  // best[j]: the best chain's score ending at node j; from[j]: its previous node (−1: it starts)
  const best = new Float64Array(n);
  const from = new Int32Array(n).fill(-1);
  let lo = 0;
  let top = 0;
  for (let j = 0; j < n; j++) {
    const b = nodes[j];
    while (nodes[lo].frame < b.frame - maxGap) lo++;
    let score = 0;
    for (let i = lo; i < j && nodes[i].frame < b.frame; i++) {
      const s = best[i] - stepCost(nodes[i], b);
      if (s > score) {
        score = s;
        from[j] = i;
      }
    }
    best[j] = score + worth[j];
    if (best[j] > best[top]) top = j;
  }
  const path: number[] = [];
  for (let j = top; j >= 0; j = from[j]) path.push(j);
  path.reverse();
  // the other cue's candidates beside the chain's own, frame by frame
  const chain: FrameCandidate[] = [];
  let k = 0;
  for (const j of path) {
    const c = nodes[j];
    while (k < n && nodes[k].frame < c.frame) k++;
    chain.push(c);
    for (let i = k; i < n && nodes[i].frame === c.frame; i++) {
      const o = nodes[i];
      if (o.cue !== c.cue && coincide(o, c)) chain.push(o);
    }
  }
  return chain;
}

/**
 * Two candidates of one frame (or near ones) are one thing: their extents (the larger side)
 * within COINCIDE_EXTENT of each other, their centres within 0.75 of the larger. So a subject's
 * colour region and its motion (both its box, or one edge of it, as tall as it) coincide; a
 * small mover passing over a large salient region of the background does not.
 */
export const COINCIDE_EXTENT = 0.5;
function coincide(a: FrameCandidate, b: FrameCandidate): boolean {
  const ea = Math.max(a.w, a.h);
  const eb = Math.max(b.w, b.h);
  const e = Math.max(ea, eb);
  return Math.min(ea, eb) >= COINCIDE_EXTENT * e && Math.hypot(a.cx - b.cx, a.cy - b.cy) <= 0.75 * e;
}

/**
 * Per node, for a salient region: how strongly something moves at its place (the strongest
 * mover that coincides with it, COINCIDE_FRAMES either side; 0..1); 1 for a mover. A salient
 * region with no mover at it for the whole shot is the background's (it moves as the camera
 * moves the picture), when the shot has movers; a subject's colour region coincides with its
 * motion wherever it moves, and where it stops the chain holds it (a step may span
 * STOP_SECONDS). With no mover in the shot every salient region counts in full (the fallback).
 */
function movedAt(nodes: readonly FrameCandidate[]): Float64Array {
  const out = new Float64Array(nodes.length).fill(1);
  const movers = nodes.filter((d) => d.cue === "motion");
  if (movers.length === 0) return out;
  let lo = 0;
  for (let i = 0; i < nodes.length; i++) {
    const s = nodes[i];
    if (s.cue === "motion") continue;
    while (lo < movers.length && movers[lo].frame < s.frame - COINCIDE_FRAMES) lo++;
    let best = 0;
    for (let k = lo; k < movers.length && movers[k].frame <= s.frame + COINCIDE_FRAMES; k++) {
      const m = movers[k];
      if (m.strength > best && coincide(m, s)) best = m.strength;
    }
    out[i] = Math.min(1, best);
  }
  return out;
}

/** The chain smoothed and sampled over the shot (step 4), or null when its confidence is too low. */
function sampleTrack(
  chain: readonly FrameCandidate[],
  shot: { start_frame: number; end_frame: number },
  size: { width: number; height: number; fps: number },
  half: number,
): SubjectTrack | null {
  const { width, height, fps } = size;
  const step = Math.max(1, Math.round(fps / POINTS_PER_SECOND));
  const quantile = (key: "w" | "h") => {
    const v = chain.map((d) => d[key]).sort((a, b) => a - b);
    return Math.max(1e-6, v[Math.min(v.length - 1, Math.floor(USUAL_SIZE_QUANTILE * v.length))]);
  };
  const typicalW = quantile("w");
  const typicalH = quantile("h");
  const sampled: { frame: number; point: Omit<SubjectTrackPoint, "frame"> | null }[] = [];
  const first = chain[0].frame;
  const last = chain[chain.length - 1].frame;
  let lo = 0;
  for (let f = shot.start_frame; f < shot.end_frame; f += step) {
    while (lo < chain.length && chain[lo].frame < f - half) lo++;
    const near: FrameCandidate[] = [];
    for (let i = lo; i < chain.length && chain[i].frame <= f + half; i++) near.push(chain[i]);
    if (near.length === 0) {
      sampled.push({ frame: f, point: null });
      continue;
    }
    const wsum = near.reduce((s, d) => s + d.strength, 0);
    // a box narrower than the subject's usual one (a plain subject's one edge) says less of
    // where its centre is
    const at = (key: "cx" | "cy") => {
      const [ext, usual] = key === "cx" ? ["w" as const, typicalW] : ["h" as const, typicalH];
      const wt = near.map((d) => d.strength * Math.min(1, d[ext] / usual));
      const sw = wt.reduce((a, b) => a + b, 0);
      const mean = near.reduce((s, d, i) => s + wt[i] * d[key], 0) / sw;
      // within the chain the mean; at its ends, where the window is one-sided, a local line (the
      // mean there lags or leads a moving subject by about half the window's reach)
      if (f - half >= first && f + half <= last) return mean;
      const mf = near.reduce((s, d, i) => s + wt[i] * d.frame, 0) / sw;
      let sff = 0;
      let sfv = 0;
      for (let i = 0; i < near.length; i++) {
        sff += wt[i] * (near[i].frame - mf) ** 2;
        sfv += wt[i] * (near[i].frame - mf) * (near[i][key] - mean);
      }
      return sff > MIN_SPREAD * sw ? mean + (sfv / sff) * (f - mf) : mean;
    };
    const med = (key: "w" | "h") => {
      const v = near.map((d) => d[key]).sort((a, b) => a - b);
      return v[v.length >> 1];
    };
    sampled.push({
      frame: f,
      point: {
        cx: r4(at("cx") / width),
        cy: r4(at("cy") / height),
        w: r4(med("w") / width),
        h: r4(med("h") / height),
        confidence: r4(Math.min(1, wsum / (2 * half + 1))),
      },
    });
  }
  const seen = sampled.flatMap((s) => (s.point ? [s.point.confidence] : [])).sort((a, b) => a - b);
  if (seen.length === 0 || seen[seen.length >> 1] < MIN_TRACK_CONFIDENCE) return null;
  return { start_frame: shot.start_frame, end_frame: shot.end_frame, points: fillGaps(sampled) };
}

/** Samples with no candidate near them take the line between their known neighbours (or the nearest one), at confidence 0. */
function fillGaps(
  sampled: readonly { frame: number; point: Omit<SubjectTrackPoint, "frame"> | null }[],
): SubjectTrackPoint[] {
  const known = sampled.filter((s) => s.point !== null);
  return sampled.map(({ frame, point }) => {
    if (point) return { frame, ...point };
    const a = known.filter((k) => k.frame < frame).at(-1);
    const b = known.find((k) => k.frame > frame);
    if (!a || !b) return { frame, ...(a ?? b)!.point!, confidence: 0 };
    const t = (frame - a.frame) / (b.frame - a.frame);
    const lerp = (key: "cx" | "cy" | "w" | "h") => r4(a.point![key] + (b.point![key] - a.point![key]) * t);
    return { frame, cx: lerp("cx"), cy: lerp("cy"), w: lerp("w"), h: lerp("h"), confidence: 0 };
  });
}

/** The shots between edit points (a cut starts a shot at its frame; a gradual transition's frames belong to none). */
export function shotSpans(
  transitions: readonly { start_frame: number; frames: number }[],
  count: number,
): { start_frame: number; end_frame: number }[] {
  const spans: { start_frame: number; end_frame: number }[] = [];
  let start = 0;
  for (const t of [...transitions].sort((a, b) => a.start_frame - b.start_frame)) {
    const end = Math.min(count, t.start_frame + (t.frames > 0 ? 1 : 0));
    if (end > start) spans.push({ start_frame: start, end_frame: end });
    start = Math.max(start, t.start_frame + t.frames);
  }
  if (count > start) spans.push({ start_frame: start, end_frame: count });
  return spans;
}
