import type { PairMotion } from "../video/global-motion.js";
import { MIN_TEXTURE, PAIR_STRIDE, pairAt, subjectsAt } from "../video/motion-features.js";
import {
  motionIntensity,
  pairSpeed,
  smoothMotion,
  ZOOM_MIN_RATE,
  type ZoomSegment,
  zoomRates,
  zoomScale,
  zoomSegments,
} from "./motion-metrics.js";
import type { SubjectTrack } from "./subject-track-types.js";
import { buildSubjectTracks, type FrameCandidate, shotSpans } from "./subject-tracker.js";

export interface MotionFrames {
  width: number;
  height: number;
  fps: number;
  count: number;
  /**
   * Global motion of every frame pair, estimated by the video analyser while it decoded
   * (what analyzeVideo returns as `frames`): (count − 1) × PAIR_STRIDE.
   */
  motion: Float64Array;
}

/** Per-pair camera motion, in fractions of the frame width (so it is resolution-independent). */
export interface PairRecord {
  /** Pair i is frame i → frame i+1. */
  frame: number;
  /** Content translation per frame, fraction of frame width (x right, y down). */
  dx: number;
  dy: number;
  /** Content scale per frame (> 1 zooming in). */
  scale: number;
  /** Rotation per frame, radians. */
  rotation: number;
  inliers: number;
  residual: number;
}

/** The motion_analysis artifact (JSON). */
export interface MotionAnalysis {
  version: 1;
  fps: number;
  analysis: { width: number; height: number; frames: number; pairs_valid: number };
  /** Null entries: pairs across a cut or inside a gradual transition, or without texture. */
  pairs: (PairRecord | null)[];
  /** Motion energy over time: mean camera speed (frame widths / s) and local residual per bin. */
  pacing: { bin_seconds: number; camera_speed: number[]; local_motion: number[] };
  motion_intensity: number;
  zoom_usage: number;
  zoom_segments: ZoomSegment[];
  /** Tracked subjects (source frames, normalised coordinates), one per shot that shows one. */
  subject_tracks?: SubjectTrack[];
  /** Evidence for extraction confidence. */
  evidence: {
    valid_share: number;
    mean_inliers: number;
    mean_texture: number;
    /**
     * Measured pairs over the pairs zoom_usage counts (outside transitions): zoom_usage cannot read
     * more than this (absent in analyses of older builds).
     */
    measurable_share?: number;
  };
}

export interface AnalyzeMotionOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Edit points from video analysis: motion is not measured across them. */
  transitions?: readonly { start_frame: number; frames: number }[];
}

const BIN_SECONDS = 0.5;

/**
 * zoom_usage, the one definition the planner's zoomingSegments also plans by: the share of the
 * clip's time that zooms, i.e. zooming pairs over every pair outside a transition. A pair whose
 * motion could not be measured (too little texture) counts as time that does not zoom: dividing
 * by the measurable pairs only read a template whose one zooming shot was the only textured one
 * as zooming all the time (76 for 38, issue 20), and the planner then zoomed every segment.
 */
export function zoomUsage(zoomingPairs: number, skip: Uint8Array): number {
  let counted = 0;
  for (const s of skip) if (!s) counted++;
  return counted ? Math.round((1000 * Math.min(zoomingPairs, counted)) / counted) / 10 : 0;
}

function measurableShare(pairs: readonly (PairRecord | null)[], skip: Uint8Array): number {
  let counted = 0;
  let measured = 0;
  for (let i = 0; i < skip.length; i++)
    if (!skip[i]) {
      counted++;
      if (pairs[i]) measured++;
    }
  return counted ? Math.round((1000 * measured) / counted) / 1000 : 0;
}

export async function analyzeMotion(
  frames: MotionFrames,
  opts: AnalyzeMotionOptions = {},
): Promise<MotionAnalysis> {
  const { width: w, height: h, fps, count } = frames;
  if (frames.motion.length !== Math.max(0, count - 1) * PAIR_STRIDE)
    throw new Error("motion frames: expected (count − 1) × PAIR_STRIDE pair estimates");
  const skip = new Uint8Array(Math.max(0, count - 1));
  for (const t of opts.transitions ?? []) {
    if (t.frames === 0) {
      if (t.start_frame - 1 >= 0 && t.start_frame - 1 < skip.length) skip[t.start_frame - 1] = 1;
    } else
      for (let f = t.start_frame; f < t.start_frame + t.frames && f < skip.length; f++)
        if (f >= 0) skip[f] = 1;
  }
  const pairs: (PairRecord | null)[] = [];
  const raw: (PairMotion | null)[] = [];
  const speeds: number[] = [];
  const candidates: FrameCandidate[] = [];
  let inl = 0;
  let tex = 0;
  let lastYield = Date.now();
  for (let i = 0; i + 1 < count; i++) {
    // Pairs across a cut or inside a gradual transition measure no camera motion; nor do
    // textureless ones.
    const m = skip[i] ? null : pairAt(frames.motion, i);
    if (!skip[i]) for (const c of subjectsAt(frames.motion, i)) candidates.push({ frame: i + 1, ...c });
    if (!m || m.texture < MIN_TEXTURE) {
      pairs.push(null);
      raw.push(null);
    } else {
      raw.push(m);
      inl += m.inliers;
      tex += m.texture;
      pairs.push({
        frame: i,
        dx: m.tx / w,
        dy: m.ty / w,
        scale: zoomScale(m),
        rotation: Math.atan2(m.b, 1 + m.a),
        inliers: Math.round(m.inliers * 1000) / 1000,
        residual: Math.round(m.residual * 100) / 100,
      });
    }
    if ((i & 255) === 255) {
      if (opts.signal?.aborted)
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted");
      if (Date.now() - lastYield > 50) {
        opts.onProgress?.((i + 1) / count);
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }
  if (opts.signal?.aborted)
    throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted");
  for (const m of smoothMotion(raw, fps)) if (m) speeds.push(pairSpeed(m, w, fps));
  const rates = zoomRates(raw, fps);
  const valid = speeds.length;
  let zooming = 0;
  for (let i = 0; i < rates.length; i++)
    if (!Number.isNaN(rates[i]) && Math.abs(rates[i]) >= ZOOM_MIN_RATE) zooming++;
  const binPairs = Math.max(1, Math.round(BIN_SECONDS * fps));
  const camera: number[] = [];
  const local: number[] = [];
  for (let s = 0; s < raw.length; s += binPairs) {
    let sv = 0;
    let sr = 0;
    let c = 0;
    for (let i = s; i < Math.min(raw.length, s + binPairs); i++) {
      const m = raw[i];
      if (!m) continue;
      sv += pairSpeed(m, w, fps);
      sr += m.residual / 255;
      c++;
    }
    camera.push(c ? Math.round((sv / c) * 1e4) / 1e4 : 0);
    local.push(c ? Math.round((sr / c) * 1e4) / 1e4 : 0);
  }
  opts.onProgress?.(1);
  return {
    version: 1,
    fps,
    analysis: { width: w, height: h, frames: count, pairs_valid: valid },
    pairs,
    pacing: { bin_seconds: binPairs / fps, camera_speed: camera, local_motion: local },
    motion_intensity: Math.round(motionIntensity(speeds) * 10) / 10,
    zoom_usage: zoomUsage(zooming, skip),
    zoom_segments: zoomSegments(rates, fps),
    subject_tracks: buildSubjectTracks(candidates, shotSpans(opts.transitions ?? [], count), {
      width: w,
      height: h,
      fps,
    }),
    evidence: {
      valid_share: count > 1 ? valid / (count - 1) : 0,
      mean_inliers: valid ? inl / valid : 0,
      mean_texture: valid ? tex / valid : 0,
      measurable_share: measurableShare(pairs, skip),
    },
  };
}
