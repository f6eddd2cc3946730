import type { SubjectCandidate } from "../video/motion-features.js";
import type { SubjectTrack, SubjectTrackPoint } from "./subject-track-types.js";

/**
 * Per-frame subject candidates (movers, video/subject.ts; salient regions, video/saliency.ts)
 * linked into one track per shot.
 *
 * 1. Tracklets: frame by frame, each candidate joins the tracklet whose last place is nearest
 *    (within GATE of the frame width, or 0.75 of the subject's size when larger), seen at most
 *    MAX_GAP_SECONDS before, taking at most one candidate of each cue per frame; otherwise it
 *    starts one. A mover that stops keeps its tracklet through its salient region, if it has one.
 * 2. The subject is the tracklet with the best score: the sum of its candidates' strengths (a
 *    salient region counts SALIENCY_WEIGHT of a mover: persistence and evidence) × a size factor
 *    (the square root of its median area against a 1/40 of the frame, within 0.5–2) × centrality
 *    (1 − its mean distance from the centre, as a share of the half-diagonal, × 0.5). With no mover
 *    in the shot, the best salient tracklet is the subject (the saliency fallback).
 * 3. Tracking through stops and misses: tracklets that go on within STOP_SECONDS after the chosen
 *    chain ends (or before it starts) from near its end place (GATE) are joined to it (their part
 *    beyond it), best score first, until none is left; frames between keep the chain's place
 *    interpolated (a stopped subject stays where it stopped).
 * 4. The chain's candidates are smoothed over ±SMOOTH_SECONDS (strength-weighted centre, median
 *    size) and sampled POINTS_PER_SECOND times a second. A shot gets a track when its chain shows
 *    on MIN_COVERAGE of its frames and its points' median confidence reaches
 *    MIN_TRACK_CONFIDENCE. Confidence is the summed strength near the point (at most 1) over the
 *    frames near it.
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
export const MAX_GAP_SECONDS = 0.5;
export const STOP_SECONDS = 3;
export const SALIENCY_WEIGHT = 0.5;

export interface FrameCandidate extends SubjectCandidate {
  frame: number;
}

interface Tracklet {
  points: FrameCandidate[];
  score: number;
  /** Its place in its latest frame (updated once a frame's candidates are all placed). */
  at: FrameCandidate;
  /** The cues it has a candidate of in its latest frame. */
  cues: Set<string>;
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

/** The chosen subject's candidates in one shot, in frame order (steps 1–3 above). */
export function subjectChain(
  inShot: readonly FrameCandidate[],
  size: { width: number; height: number; fps: number },
): FrameCandidate[] {
  const { width, height, fps } = size;
  const maxGap = Math.max(1, Math.round(MAX_GAP_SECONDS * fps));
  const gateOf = (a: FrameCandidate, b: FrameCandidate) =>
    Math.max(GATE * width, 0.75 * Math.max(a.w, a.h, b.w, b.h));
  const dist = (a: FrameCandidate, b: FrameCandidate) => Math.hypot(a.cx - b.cx, a.cy - b.cy);
  const byFrame = [...inShot].sort((a, b) => a.frame - b.frame || b.strength - a.strength);
  const tracklets: Tracklet[] = [];
  let active: Tracklet[] = [];
  for (let i = 0; i < byFrame.length; ) {
    const frame = byFrame[i].frame;
    let j = i;
    while (j < byFrame.length && byFrame[j].frame === frame) j++;
    active = active.filter((t) => frame - t.at.frame <= maxGap);
    const touched = new Set<Tracklet>();
    // strongest first: each joins the longest tracklet within the gate of its place in its
    // latest frame before this one, one candidate of each cue a frame
    for (const c of byFrame.slice(i, j)) {
      let best: Tracklet | null = null;
      for (const t of active) {
        if (touched.has(t) && t.cues.has(c.cue)) continue;
        if (dist(t.at, c) <= gateOf(t.at, c) && (!best || t.points.length > best.points.length)) best = t;
      }
      if (!best) {
        best = { points: [], score: 0, at: c, cues: new Set() };
        tracklets.push(best);
        active.push(best);
      }
      if (!touched.has(best)) best.cues.clear();
      best.points.push(c);
      best.cues.add(c.cue);
      touched.add(best);
    }
    // each tracklet's place in this frame: its candidates' strength-weighted mean
    for (const t of touched) {
      const now = t.points.filter((p) => p.frame === frame);
      const wsum = now.reduce((s, p) => s + p.strength, 0);
      const mean = (key: "cx" | "cy" | "w" | "h") => now.reduce((s, p) => s + p.strength * p[key], 0) / wsum;
      t.at = {
        ...now[0],
        cx: mean("cx"),
        cy: mean("cy"),
        w: Math.max(...now.map((p) => p.w)),
        h: Math.max(...now.map((p) => p.h)),
      };
    }
    i = j;
  }
  const frameArea = width * height;
  const halfDiagonal = Math.hypot(width, height) / 2;
  for (const t of tracklets) {
    const evidence = t.points.reduce(
      (s, p) => s + p.strength * (p.cue === "motion" ? 1 : SALIENCY_WEIGHT),
      0,
    );
    const areas = t.points.map((p) => p.w * p.h).sort((a, b) => a - b);
    const sizeFactor = Math.min(2, Math.max(0.5, Math.sqrt(areas[areas.length >> 1] / (frameArea / 40))));
    const off =
      t.points.reduce((s, p) => s + Math.hypot(p.cx - width / 2, p.cy - height / 2), 0) / t.points.length;
    t.score = evidence * sizeFactor * (1 - 0.5 * Math.min(1, off / halfDiagonal));
  }
  const movers = tracklets.filter((t) => t.points.some((p) => p.cue === "motion"));
  const pool = movers.length > 0 ? movers : tracklets;
  const first = pool.reduce((a, b) => (b.score > a.score ? b : a));
  let chain = [...first.points];
  const used = new Set<Tracklet>([first]);
  const stop = Math.round(STOP_SECONDS * fps);
  for (;;) {
    const head = chain[0];
    const tail = chain[chain.length - 1];
    // a tracklet may overlap the chain: only its part beyond the chain's end (or before its start) joins
    let join: { t: Tracklet; points: FrameCandidate[]; after: boolean } | null = null;
    for (const t of tracklets) {
      if (used.has(t) || (join && t.score <= join.t.score)) continue;
      const later = t.points.filter((p) => p.frame > tail.frame);
      const earlier = t.points.filter((p) => p.frame < head.frame);
      const a = later[0];
      const z = earlier[earlier.length - 1];
      if (a && a.frame - tail.frame <= stop && dist(a, tail) <= gateOf(a, tail))
        join = { t, points: later, after: true };
      else if (z && head.frame - z.frame <= stop && dist(z, head) <= gateOf(z, head))
        join = { t, points: earlier, after: false };
    }
    if (!join) break;
    used.add(join.t);
    chain = join.after ? [...chain, ...join.points] : [...join.points, ...chain];
  }
  return chain;
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
  const sampled: { frame: number; point: Omit<SubjectTrackPoint, "frame"> | null }[] = [];
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
    const at = (key: "cx" | "cy") => near.reduce((s, d) => s + d.strength * d[key], 0) / wsum;
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
