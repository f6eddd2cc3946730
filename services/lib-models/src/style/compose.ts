import { isoSeconds, type StyleJson, StyleJsonSchema } from "@clipzy/contracts";

/** The visual and audio halves of a Style DNA, each with the confidence of its evidence. */
export type VisualFields = Pick<
  StyleJson,
  | "color_grade"
  | "color_profile"
  | "aspect_ratio"
  | "frame_rate"
  | "cut_frequency"
  | "motion_intensity"
  | "zoom_usage"
  | "primary_transition"
  | "source_duration_seconds"
> & { confidence: number };

export type AudioFields = Pick<
  StyleJson,
  "audio_style" | "detected_beats" | "tempo_bpm" | "music_genre" | "audio_fingerprint"
> & {
  confidence: number;
};

/**
 * Combines both halves into StyleJSON v1.0. extraction_confidence weighs the visual evidence
 * 0.6 and the audio 0.4; a video with no audio can only be 60% as certain of its style.
 */
export function composeStyle(
  visual: VisualFields,
  audio: AudioFields,
  createdAt: Date,
  /** Documented extensions measured from both halves (e.g. `pacing`). */
  extensions: Pick<StyleJson, "pacing"> = {},
): StyleJson {
  const { confidence: vc, ...v } = visual;
  const { confidence: ac, ...a } = audio;
  const confidence = Math.round((0.6 * clamp01(vc) + 0.4 * clamp01(ac)) * 100) / 100;
  return StyleJsonSchema.parse({
    version: "1.0",
    ...v,
    ...a,
    ...extensions,
    created_at: isoSeconds(createdAt),
    extraction_confidence: confidence,
  });
}

/** A user-supplied StyleJSON (config.style_json): fields it omits are null, as for anything not computed. */
export function completeSuppliedStyle(supplied: Record<string, unknown>, createdAt: Date): StyleJson {
  return StyleJsonSchema.parse({
    color_grade: null,
    color_profile: null,
    aspect_ratio: null,
    frame_rate: null,
    audio_style: null,
    cut_frequency: null,
    motion_intensity: null,
    zoom_usage: null,
    primary_transition: null,
    detected_beats: [],
    tempo_bpm: null,
    music_genre: null,
    source_duration_seconds: null,
    extraction_confidence: null,
    created_at: isoSeconds(createdAt),
    ...supplied,
    version: "1.0",
  });
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
