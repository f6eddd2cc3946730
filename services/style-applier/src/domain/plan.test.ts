import type { StyleJson } from "@clipzy/contracts";
import { describe, expect, it } from "vitest";
import { cropToAspect, gradeDelta, parseAspect, planRender } from "./plan.js";

const style = (over: Partial<StyleJson> = {}): StyleJson => ({
  version: "1.0",
  color_grade: { temperature: 0, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 0 },
  aspect_ratio: "16:9",
  frame_rate: 30,
  audio_style: null,
  cut_frequency: null,
  motion_intensity: null,
  zoom_usage: null,
  primary_transition: null,
  detected_beats: [],
  tempo_bpm: null,
  music_genre: null,
  created_at: "2024-01-01T00:00:00Z",
  source_duration_seconds: 10,
  extraction_confidence: 0.5,
  ...over,
});

const base = {
  source: { width: 1280, height: 720, frame_rate: 30, duration_seconds: 10, has_audio: true },
  inputKey: "videos/v/a.mp4",
  quality: "medium" as const,
  lutKey: "artifacts/j/grade.cube",
  audioFilters: () => "loudnorm=I=-14",
};

describe("planRender", () => {
  it("applies nothing foreign when the style is the source's own", () => {
    const plan = planRender({
      ...base,
      target: style({ frame_rate: 24 }),
      sourceStyle: style(),
      foreign: false,
    });
    expect(plan.applied).toEqual([]);
    expect(plan.grade_delta).toBeNull();
    expect(plan.audio_filters).toBeNull();
    expect(plan.video_filters).toEqual(["scale=-2:'trunc(min(ih\\,720)/2)*2'"]);
  });

  it("maps a template's aspect, frame rate, grade and audio onto the source", () => {
    const target = style({
      aspect_ratio: "9:16",
      frame_rate: 24,
      color_grade: { temperature: 30, tint: 0, saturation: 20, contrast: 0, highlights: 0, shadows: -10 },
    });
    const source = style({
      color_grade: { temperature: 10, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 0 },
    });
    const plan = planRender({ ...base, target, sourceStyle: source, foreign: true });
    expect(plan.video_filters.slice(0, 2)).toEqual(["crop=404:720", "fps=24"]);
    expect(plan.grade_delta).toEqual({
      temperature: 20,
      tint: 0,
      saturation: 20,
      contrast: 0,
      highlights: 0,
      shadows: -10,
    });
    expect(plan.lut_key).toBe(base.lutKey);
    expect(plan.audio_filters).toBe("loudnorm=I=-14");
    expect(plan.applied).toEqual(["aspect_ratio 9:16", "frame_rate 24", "color_grade", "audio_style"]);
  });

  it("honours the quality preset's height cap", () => {
    expect(
      planRender({ ...base, quality: "low", target: style(), sourceStyle: style(), foreign: false }).encode
        .max_height,
    ).toBe(480);
    expect(
      planRender({ ...base, quality: "high", target: style(), sourceStyle: style(), foreign: false }).encode
        .crf,
    ).toBe(20);
  });
});

describe("geometry and grade helpers", () => {
  it("crops to an aspect ratio with even sizes", () => {
    expect(cropToAspect(1920, 1080, 16 / 9)).toBeNull();
    expect(cropToAspect(1920, 1080, 1)).toBe("crop=1080:1080");
    expect(cropToAspect(1080, 1920, 16 / 9)).toBe("crop=1080:606");
  });
  it("parses aspect ratios", () => {
    expect(parseAspect("16:9")).toBeCloseTo(16 / 9);
    expect(parseAspect("bogus")).toBeNull();
    expect(parseAspect(null)).toBeNull();
  });
  it("ignores grade changes too small to see", () => {
    const g = { temperature: 1, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 0 };
    expect(gradeDelta(g, null)).toBeNull();
    expect(gradeDelta(null, g)).toBeNull();
  });
});
