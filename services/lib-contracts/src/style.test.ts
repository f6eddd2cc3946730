import { describe, expect, it } from "vitest";
import { StyleJsonInputSchema } from "./style.js";

const fieldOf = (value: unknown) => {
  const r = StyleJsonInputSchema.safeParse(value);
  return r.success ? null : r.error.issues[0].path.join(".");
};

describe("user-supplied StyleJSON ranges", () => {
  it("accepts what the engine itself reports, and a minimal style", () => {
    expect(fieldOf({ version: "1.0" })).toBeNull();
    expect(
      fieldOf({
        version: "1.0",
        color_grade: {
          temperature: -12,
          tint: 3,
          saturation: 100,
          contrast: -100,
          highlights: 0,
          shadows: 5,
        },
        aspect_ratio: "21:9",
        frame_rate: 29.97,
        audio_style: {
          normalization_level: 0.7,
          compression_ratio: 4,
          bass_boost: -20,
          enhance_speech: null,
        },
        cut_frequency: 2.5,
        motion_intensity: 40,
        zoom_usage: 0,
        primary_transition: { type: "dissolve", duration_ms: 500, easing: "ease-in-out" },
        detected_beats: [{ timestamp_ms: 0, confidence: 0.9, frequency: "bass" }],
        tempo_bpm: 120,
        music_genre: "hip-hop",
        created_at: "2024-04-05T10:30:00Z",
        source_duration_seconds: 12.5,
        extraction_confidence: 0.8,
      }),
    ).toBeNull();
    expect(fieldOf({ version: "1.0", aspect_ratio: "2.39:1" })).toBeNull();
  });

  it("refuses anything the engine cannot honour, naming the field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ frame_rate: 1e308 }, "frame_rate"],
      [{ frame_rate: 0.5 }, "frame_rate"],
      [{ frame_rate: 121 }, "frame_rate"],
      [{ aspect_ratio: "0:0" }, "aspect_ratio"],
      [{ aspect_ratio: "16:0" }, "aspect_ratio"],
      [{ aspect_ratio: "1000:1" }, "aspect_ratio"],
      [{ aspect_ratio: "1:90" }, "aspect_ratio"],
      [{ aspect_ratio: "-16:9" }, "aspect_ratio"],
      [{ aspect_ratio: "16:9\u202e" }, "aspect_ratio"],
      [{ cut_frequency: 61 }, "cut_frequency"],
      [{ cut_frequency: -1 }, "cut_frequency"],
      [
        { color_grade: { temperature: 101, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 0 } },
        "color_grade.temperature",
      ],
      [
        { primary_transition: { type: "spin", duration_ms: 500, easing: "linear" } },
        "primary_transition.type",
      ],
      [
        { primary_transition: { type: "fade", duration_ms: 1e9, easing: "linear" } },
        "primary_transition.duration_ms",
      ],
      [
        { primary_transition: { type: "fade", duration_ms: 500, easing: "bounce" } },
        "primary_transition.easing",
      ],
      [
        { detected_beats: [{ timestamp_ms: -1, confidence: 1, frequency: "mid" }] },
        "detected_beats.0.timestamp_ms",
      ],
      [
        {
          detected_beats: Array.from({ length: 10_001 }, () => ({
            timestamp_ms: 1,
            confidence: 1,
            frequency: "mid",
          })),
        },
        "detected_beats",
      ],
      [
        {
          audio_style: {
            normalization_level: 2,
            compression_ratio: null,
            bass_boost: null,
            enhance_speech: null,
          },
        },
        "audio_style.normalization_level",
      ],
      [
        {
          audio_style: {
            normalization_level: null,
            compression_ratio: 50,
            bass_boost: null,
            enhance_speech: null,
          },
        },
        "audio_style.compression_ratio",
      ],
      [
        {
          audio_style: {
            normalization_level: null,
            compression_ratio: null,
            bass_boost: -101,
            enhance_speech: null,
          },
        },
        "audio_style.bass_boost",
      ],
      [{ tempo_bpm: 1e6 }, "tempo_bpm"],
      [{ music_genre: "x".repeat(10_000) }, "music_genre"],
      [{ music_genre: "pop\u0000" }, "music_genre"],
      [{ created_at: "yesterday" }, "created_at"],
      [{ source_duration_seconds: 1e12 }, "source_duration_seconds"],
      [{ speed: 2 }, ""],
    ];
    for (const [fields, field] of cases) {
      expect(fieldOf({ version: "1.0", ...fields }), JSON.stringify(fields).slice(0, 80)).toBe(field);
    }
    expect(fieldOf({ frame_rate: 30 })).toBe("version");
  });
});
