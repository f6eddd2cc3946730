import type { StyleJson } from "@clipzy/contracts";
import type { AudioAnalysis } from "./audio/analyzer.js";
import type { MotionAnalysis } from "./motion/analyze-motion.js";
import type { VideoAnalysis } from "./video/analysis.js";

/**
 * The artifacts stages pass to each other (artifacts/<job_id>/<stage>.json): one home, so a stage
 * reads another's output without importing that service.
 */

/**
 * The per-frame-pair global motion estimated during the decode (video/motion-features), stored
 * as a blob of (count − 1) × PAIR_STRIDE float64 (little-endian), so motion analysis needs neither
 * the file nor its frames.
 */
export interface MotionFeaturesRef {
  key: string;
  /** Analysis resolution the estimates are in (pixels), frame rate and frame count. */
  width: number;
  height: number;
  fps: number;
  count: number;
}

export interface AnalyzedInput {
  analysis: VideoAnalysis;
  motion: MotionFeaturesRef;
}

/** video_analysis: one entry per input (the source, and the template when there is one). */
export interface VideoAnalysisArtifact {
  source: AnalyzedInput;
  template: AnalyzedInput | null;
}

export interface AudioAnalysisArtifact {
  source: AudioAnalysis;
  template: AudioAnalysis | null;
}

export interface MotionAnalysisArtifact {
  source: MotionAnalysis;
  template: MotionAnalysis | null;
}

export interface StyleExtractionArtifact {
  /** The style to apply: the template's, the user's, or (with neither) the source's own. */
  style_json: StyleJson;
  /** The source's own Style DNA, which style application measures the change against. */
  source_style: StyleJson;
}
