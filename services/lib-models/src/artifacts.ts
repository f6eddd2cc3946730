import { ColorProfileSchema, type StyleJson, StyleJsonSchema } from "@clipzy/contracts";
import { z } from "zod";
import type { AudioAnalysis } from "./audio/analyzer.js";
import type { MotionAnalysis } from "./motion/analyze-motion.js";
import type { VideoAnalysis } from "./video/analysis.js";

/**
 * The artifacts stages pass to each other (artifacts/<job_id>/<stage>.json): one home, so a stage
 * reads another's output without importing that service. The analysis stages store one artifact
 * per input (artifacts/<job_id>/<stage>-<input>.json, one input's entry of the shapes below); the
 * stages after them read both with readInputArtifacts (@clipzy/platform/stage-inputs).
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
  /**
   * The closed loop's low-resolution intermediate of a tall source (LOOP_INTERMEDIATE_HEIGHT
   * lines, every frame, its audio as PCM), written during the analysis' own decode; absent for
   * small sources and templates.
   */
  intermediate?: { key: string; width: number; height: number } | null;
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

/**
 * Schemas the reading stage checks an artifact against (readArtifact in @clipzy/platform): the
 * version and everything a downstream stage relies on; the rest passes through. A mismatch (an
 * artifact from an older engine, a partial write) fails the stage with the path that differs.
 */
export const AnalyzedInputSchema = z
  .object({
    analysis: z
      .object({
        version: z.literal(2),
        colour_profile: ColorProfileSchema,
        colour_sample: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
        transitions: z.array(z.object({}).passthrough()),
      })
      .passthrough(),
    motion: z
      .object({ key: z.string(), width: z.number(), height: z.number(), fps: z.number(), count: z.number() })
      .strict(),
    intermediate: z
      .object({ key: z.string(), width: z.number().int().positive(), height: z.number().int().positive() })
      .strict()
      .nullish(),
  })
  .passthrough() as unknown as z.ZodType<AnalyzedInput>;

export const StyleExtractionArtifactSchema = z
  .object({ style_json: StyleJsonSchema, source_style: StyleJsonSchema })
  .passthrough() as unknown as z.ZodType<StyleExtractionArtifact>;

const num = z.number();
export const AudioAnalysisSchema = z
  .object({
    version: z.literal(1),
    empty: z.boolean(),
    duration_seconds: num,
    tempo_bpm: num.nullable(),
    beats: z.array(z.object({ time_s: num, confidence: num }).passthrough()),
    loudness: z
      .object({
        integrated_lufs: num.nullable(),
        true_peak_dbtp: num.nullable(),
        limiter_loss_db: z.array(num),
      })
      .passthrough(),
    fingerprint: z.object({}).passthrough().nullable(),
  })
  .passthrough() as unknown as z.ZodType<AudioAnalysis>;

export const MotionAnalysisSchema = z
  .object({
    version: z.literal(1),
    fps: num,
    pairs: z.array(z.object({}).passthrough().nullable()),
    pacing: z
      .object({ bin_seconds: num, camera_speed: z.array(num), local_motion: z.array(num) })
      .passthrough(),
    motion_intensity: num,
    zoom_usage: num,
    zoom_segments: z.array(z.object({}).passthrough()),
    subject_tracks: z.array(z.object({}).passthrough()).optional(),
  })
  .passthrough() as unknown as z.ZodType<MotionAnalysis>;
