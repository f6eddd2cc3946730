import type { SubjectDetection } from "../video/subject.js";
import type { SubjectTrack, SubjectTrackPoint } from "./subject-track.js";

/**
 * Per-frame subject detections (video/subject.ts) joined into one track per shot: a shot whose
 * frames show a subject often enough (MIN_COVERAGE) and clearly enough (MIN_TRACK_CONFIDENCE) gets a track, smoothed over ±SMOOTH_SECONDS
 * (strength-weighted centre, median size) and sampled POINTS_PER_SECOND times a second; frames
 * without a detection near them are interpolated between their neighbours. Confidence is the
 * mean detection strength near the point times the share of nearby frames that had one.
 */
export const MIN_COVERAGE = 0.3;
/**
 * Median point confidence below which a shot's detections are texture changing, not a subject:
 * measured 0.23 (10th percentile) and 0.44 (median) on the tracking test's object under a pan,
 * 0.017 (median) and 0.04 (90th percentile) on an evolving fractal with no subject.
 */
export const MIN_TRACK_CONFIDENCE = 0.1;
export const SMOOTH_SECONDS = 0.2;
export const POINTS_PER_SECOND = 10;

export interface FrameDetection extends SubjectDetection {
  frame: number;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function buildSubjectTracks(
  detections: readonly FrameDetection[],
  shots: readonly { start_frame: number; end_frame: number }[],
  size: { width: number; height: number; fps: number },
): SubjectTrack[] {
  const { width, height, fps } = size;
  const half = Math.max(1, Math.round(SMOOTH_SECONDS * fps));
  const step = Math.max(1, Math.round(fps / POINTS_PER_SECOND));
  const tracks: SubjectTrack[] = [];
  for (const shot of shots) {
    const inShot = detections.filter((d) => d.frame >= shot.start_frame && d.frame < shot.end_frame);
    const length = shot.end_frame - shot.start_frame;
    if (length <= 0 || inShot.length < Math.max(5, MIN_COVERAGE * length)) continue;
    const sampled: { frame: number; point: Omit<SubjectTrackPoint, "frame"> | null }[] = [];
    for (let f = shot.start_frame; f < shot.end_frame; f += step) {
      const near = inShot.filter((d) => Math.abs(d.frame - f) <= half);
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
          confidence: r4((wsum / near.length) * (near.length / (2 * half + 1))),
        },
      });
    }
    const seen = sampled.flatMap((s) => (s.point ? [s.point.confidence] : [])).sort((a, b) => a - b);
    if (seen[seen.length >> 1] < MIN_TRACK_CONFIDENCE) continue;
    tracks.push({ start_frame: shot.start_frame, end_frame: shot.end_frame, points: fillGaps(sampled) });
  }
  return tracks;
}

/** Samples with no detection near them take the line between their known neighbours (or the nearest one), at confidence 0. */
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
