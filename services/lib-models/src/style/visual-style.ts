import type { ColorGrade, Transition } from "@clipzy/contracts";
import type { VideoAnalysis } from "../video/analysis.js";
import type { ColorProfile } from "../video/lab.js";

/** What visualStyleFields needs of a motion analysis (structurally the motion-analyzer's artifact). */
export interface MotionSummary {
  motion_intensity: number;
  zoom_usage: number;
  evidence: { valid_share: number; mean_inliers: number };
}

export interface VisualStyleFields {
  color_grade: ColorGrade | null;
  color_profile: ColorProfile | null;
  aspect_ratio: string | null;
  frame_rate: number | null;
  cut_frequency: number | null;
  motion_intensity: number | null;
  zoom_usage: number | null;
  primary_transition: Transition | null;
  source_duration_seconds: number | null;
  confidence: number;
}

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));

/**
 * The visual half of a StyleJSON, and a confidence from the evidence:
 *  - edits: mean clarity of the detected boundaries (a clip without any edit point: 0.7, nothing
 *    contradicts "no cuts" but nothing confirms it either);
 *  - motion: share of frame pairs with a usable global-motion fit × their inlier share (0.3 when
 *    motion analysis is missing);
 *  - colour: whether there was a luma spread to measure at all;
 *  - length: full weight from 3 s of analysed video.
 * Weighted 0.35 / 0.3 / 0.25 / 0.1.
 */
export function visualStyleFields(video: VideoAnalysis, motion: MotionSummary | null): VisualStyleFields {
  const ev = video.evidence;
  const clarities = video.transitions.map((t) => t.clarity);
  const edits = clarities.length ? clarities.reduce((a, b) => a + b, 0) / clarities.length : 0.7;
  const motionEv = motion ? clamp01(motion.evidence.valid_share * motion.evidence.mean_inliers) : 0.3;
  const colorEv = clamp01(ev.colour_spread / 0.2);
  const lengthEv = clamp01(ev.frames_analysed / (3 * Math.max(1, video.frame_rate)));
  const confidence =
    Math.round(1000 * clamp01(0.35 * edits + 0.3 * motionEv + 0.25 * colorEv + 0.1 * lengthEv)) / 1000;
  const pt = video.primary_transition;
  return {
    color_grade: video.grade,
    color_profile: video.colour_profile,
    aspect_ratio: video.aspect_ratio,
    frame_rate: video.frame_rate,
    cut_frequency: Math.round(video.cut_frequency * 100) / 100,
    motion_intensity: motion ? Math.round(motion.motion_intensity) : null,
    zoom_usage: motion ? Math.round(motion.zoom_usage) : null,
    primary_transition: pt ? { type: pt.type, duration_ms: pt.duration_ms, easing: pt.easing } : null,
    source_duration_seconds: Math.round(video.duration_seconds * 1000) / 1000,
    confidence,
  };
}
