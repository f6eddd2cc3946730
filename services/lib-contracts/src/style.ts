import { z } from "zod";

/**
 * StyleJSON v1.0 (seed 001's result example; units fixed by API.md).
 * A field the engine could not compute is null, never a made-up value.
 */
const grade = z.number().min(-100).max(100);
export const ColorGradeSchema = z
  .object({
    temperature: grade,
    tint: grade,
    saturation: grade,
    contrast: grade,
    highlights: grade,
    shadows: grade,
  })
  .strict();

export const AudioStyleSchema = z
  .object({
    normalization_level: z.number().min(0).max(1).nullable(),
    compression_ratio: z.number().min(1).nullable(),
    bass_boost: z.number().min(-100).max(100).nullable(),
    enhance_speech: z.boolean().nullable(),
  })
  .strict();

export const TransitionSchema = z
  .object({
    type: z.string(),
    duration_ms: z.number().min(0),
    easing: z.string(),
  })
  .strict();

export const BeatSchema = z
  .object({
    timestamp_ms: z.number().min(0),
    confidence: z.number().min(0).max(1),
    frequency: z.enum(["bass", "mid", "high"]),
  })
  .strict();

/**
 * Extension: the Chromaprint fingerprint of the style's music (models/audio/fingerprint.ts), and
 * how alike the job's source audio is (share of ~124 ms items that match at the best alignment;
 * same_music at ≥ 0.5). Bounded to about an hour of audio.
 */
export const AudioFingerprintSchema = z
  .object({
    algorithm: z.literal("chromaprint-1"),
    item_seconds: z.number().positive().max(1),
    items: z.number().int().min(1).max(40_000),
    data: z
      .string()
      .max(220_000)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64"),
    source_match: z
      .object({ similarity: z.number().min(0).max(1).nullable(), same_music: z.boolean().nullable() })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

/**
 * Extension: the edit's pacing beyond its mean cut rate (models/style/pacing.ts): shot-length
 * distribution, cut rate over the video, acceleration (cut rate at the end / at the start) and
 * the share of cuts on a beat of the music (null without music).
 */
export const PacingSchema = z
  .object({
    shot_seconds: z
      .object({ median: z.number().min(0).max(3600), iqr: z.number().min(0).max(3600) })
      .strict(),
    cut_rate_curve: z
      .object({
        window_seconds: z.number().positive().max(3600),
        cuts_per_10s: z.array(z.number().min(0).max(600)).min(1).max(64),
      })
      .strict(),
    acceleration: z.number().min(0.1).max(10),
    on_beat_share: z.number().min(0).max(1).nullable(),
  })
  .strict();

/**
 * Extension `color_profile`: the style's colour distribution in CIELAB (D65, from sRGB-encoded
 * pixels) — mean, 3×3 covariance (row-major) and 64 marginal quantiles of L*, a*, b* at
 * p = (k + 0.5)/64. With it, a reused style_json rebuilds the same distribution transfer; without
 * it the render falls back to the parametric grade model driven by `color_grade`.
 */
const labValue = z.number().min(-200).max(200);
const quantiles = z.array(labValue).length(64);
export const ColorProfileSchema = z
  .object({
    space: z.literal("cielab-d65"),
    mean: z.array(labValue).length(3),
    covariance: z.array(z.number().min(-40_000).max(40_000)).length(9),
    quantiles: z.object({ L: quantiles, a: quantiles, b: quantiles }).strict(),
    pixels: z.number().int().min(0),
  })
  .strict();

export const StyleJsonSchema = z
  .object({
    version: z.literal("1.0"),
    color_grade: ColorGradeSchema.nullable(),
    aspect_ratio: z.string().nullable(),
    frame_rate: z.number().positive().nullable(),
    audio_style: AudioStyleSchema.nullable(),
    cut_frequency: z.number().min(0).nullable(),
    motion_intensity: z.number().min(0).max(100).nullable(),
    zoom_usage: z.number().min(0).max(100).nullable(),
    primary_transition: TransitionSchema.nullable(),
    detected_beats: z.array(BeatSchema),
    tempo_bpm: z.number().positive().nullable(),
    music_genre: z.string().nullable(),
    created_at: z.string(),
    source_duration_seconds: z.number().min(0).nullable(),
    // null only for a user-supplied style that did not carry one.
    extraction_confidence: z.number().min(0).max(1).nullable(),
    audio_fingerprint: AudioFingerprintSchema.nullable().optional(),
    pacing: PacingSchema.nullable().optional(),
    // Extension (absent from styles made before it, and allowed to be absent when supplied).
    color_profile: ColorProfileSchema.nullable().optional(),
  })
  .passthrough();

export type ColorGrade = z.infer<typeof ColorGradeSchema>;
export type AudioStyle = z.infer<typeof AudioStyleSchema>;
export type Transition = z.infer<typeof TransitionSchema>;
export type Beat = z.infer<typeof BeatSchema>;
export type StyleJson = z.infer<typeof StyleJsonSchema>;
export type AudioFingerprintField = z.infer<typeof AudioFingerprintSchema>;
export type Pacing = z.infer<typeof PacingSchema>;

export const TRANSITION_TYPES = ["cut", "fade", "dissolve", "wipe"] as const;
export const EASINGS = ["linear", "ease-in", "ease-out", "ease-in-out"] as const;

/** Bounds on what a user may ask for: each is what the engine can honour (render and analysis). */
export const STYLE_LIMITS = {
  frame_rate: [1, 120],
  cut_frequency: [0, 60],
  transition_ms: [0, 10_000],
  beats: 10_000,
  beat_ms: [0, 86_400_000],
  tempo_bpm: [20, 300],
  source_duration_seconds: [0, 86_400],
} as const;

const range = (name: string, [lo, hi]: readonly [number, number]) =>
  z
    .number()
    .min(lo, `${name} must be between ${lo} and ${hi}`)
    .max(hi, `${name} must be between ${lo} and ${hi}`);

/**
 * "16:9", "9:16", "21:9" (whole terms 1–64, as the analyser writes them), or the analyser's
 * "2.39:1" for ratios without small whole terms. A pattern alone, so the OpenAPI schema says it all.
 */
const TERM = "(?:[1-9]|[1-5][0-9]|6[0-4])";
const AspectRatioInput = z
  .string()
  .regex(
    new RegExp(`^(?:${TERM}:${TERM}|(?:0\\.[1-9][0-9]?|[1-9]\\.[0-9]{1,2}):1)$`),
    "aspect_ratio must be W:H with whole numbers from 1 to 64 (or R.RR:1)",
  );

const { transition_ms, beat_ms } = STYLE_LIMITS;
export type ColorProfileJson = z.infer<typeof ColorProfileSchema>;

/**
 * The fields of a user-supplied StyleJSON whose input is narrower than what the engine reports
 * (the ranges it can honour, closed vocabularies). A field added to StyleJsonSchema is accepted
 * as input with its own schema; add it here too when its input needs tighter bounds.
 */
const INPUT_FIELDS = {
  version: z.literal("1.0"),
  aspect_ratio: AspectRatioInput.nullable(),
  frame_rate: range("frame_rate", STYLE_LIMITS.frame_rate).nullable(),
  cut_frequency: range("cut_frequency", STYLE_LIMITS.cut_frequency).nullable(),
  audio_style: AudioStyleSchema.extend({
    compression_ratio: range("compression_ratio", [1, 20]).nullable(),
  }).nullable(),
  primary_transition: TransitionSchema.extend({
    type: z.enum(TRANSITION_TYPES),
    duration_ms: range("duration_ms", transition_ms),
    easing: z.enum(EASINGS),
  }).nullable(),
  detected_beats: z
    .array(BeatSchema.extend({ timestamp_ms: range("timestamp_ms", beat_ms) }))
    .max(STYLE_LIMITS.beats, `at most ${STYLE_LIMITS.beats} beats`),
  tempo_bpm: range("tempo_bpm", STYLE_LIMITS.tempo_bpm).nullable(),
  music_genre: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "music_genre must be a lowercase label such as pop or hip-hop")
    .nullable(),
  created_at: z.iso.datetime({ offset: true }),
  source_duration_seconds: range("source_duration_seconds", STYLE_LIMITS.source_duration_seconds).nullable(),
};

/**
 * A user-supplied StyleJSON (for reuse) may omit fields; missing ones become null. Fields present
 * must have the documented types and lie in the ranges the engine can honour; unknown fields are
 * refused, so a typo is a 400 naming it rather than a style silently not applied.
 */
export const StyleJsonInputSchema = StyleJsonSchema.partial()
  .extend(INPUT_FIELDS)
  .partial()
  .required({ version: true })
  .strict();
