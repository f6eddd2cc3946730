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
  })
  .passthrough();

export type ColorGrade = z.infer<typeof ColorGradeSchema>;
export type AudioStyle = z.infer<typeof AudioStyleSchema>;
export type Transition = z.infer<typeof TransitionSchema>;
export type Beat = z.infer<typeof BeatSchema>;
export type StyleJson = z.infer<typeof StyleJsonSchema>;
export type AudioFingerprintField = z.infer<typeof AudioFingerprintSchema>;

/**
 * A user-supplied StyleJSON (for reuse) may omit fields; missing ones become null.
 * Fields present must have the documented types.
 */
export const StyleJsonInputSchema = StyleJsonSchema.partial().extend({
  version: z.literal("1.0"),
});
