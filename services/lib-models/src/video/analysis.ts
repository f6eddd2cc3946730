import type { ColorGrade } from "@clipzy/contracts";
import type { ColorProfile } from "./lab.js";
import type { PaletteColor } from "./palette.js";
import type { DetectedTransition } from "./shot-detection.js";
import type { PrimaryTransition, ShotStats } from "./shot-stats.js";

export interface TransitionRecord {
  type: DetectedTransition["kind"];
  start_frame: number;
  frames: number;
  start_seconds: number;
  duration_seconds: number;
  easing: DetectedTransition["easing"];
  clarity: number;
  change: number;
}

/** The video_analysis artifact (JSON). */
export interface VideoAnalysis {
  version: 2;
  source: { width: number; height: number; fps: number; fps_fraction: string; duration_seconds: number };
  aspect_ratio: string;
  frame_rate: number;
  duration_seconds: number;
  /** Analysis resolution and how many frames were decoded and analysed. */
  analysis: { width: number; height: number; frames: number };
  transitions: TransitionRecord[];
  /** Times (s) of hard cuts. */
  cuts: number[];
  shots: { start_frame: number; end_frame: number; start_seconds: number; duration_seconds: number }[];
  shot_stats: ShotStats;
  cut_frequency: number;
  primary_transition: PrimaryTransition | null;
  colour: {
    mean_rgb: [number, number, number];
    luma_quantiles: { p05: number; p50: number; p95: number };
    chroma_mean: [number, number, number];
    chroma_rms: number;
  };
  /** The colour distribution in CIELAB (what colour transfer matches). */
  colour_profile: ColorProfile;
  /** A uniform sample of the analysed pixels, packed rgb24, base64 (RESERVOIR_SIZE pixels at most). */
  colour_sample: string;
  grade: ColorGrade;
  palette: PaletteColor[];
  /** Evidence behind extraction_confidence. */
  evidence: {
    frames_analysed: number;
    cut_clarity_mean: number | null;
    gradual_clarity_mean: number | null;
    colour_spread: number;
  };
}
