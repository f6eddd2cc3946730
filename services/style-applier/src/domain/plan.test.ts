import type { StyleJson } from "@clipzy/contracts";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { profileOfPoints } from "@clipzy/models/video/lab";
import { describe, expect, it } from "vitest";
import type { EditSource } from "./edit.js";
import { cropToAspect, fpsFraction, gradeDelta, parseAspect, planEdl } from "./plan.js";

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

const editSource = (fps: number): EditSource => ({
  fps,
  frames: 10 * fps,
  shots: [{ start: 0, end: 10 * fps }],
  beats_s: [],
  has_audio: true,
  activity: null,
  subjects: [],
});

// A pixel sample with a spread of tones and hues (a deterministic hash field).
const hash = (i: number) => {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x);
};
const sample = Uint8Array.from({ length: 3 * 2048 }, (_, i) => Math.floor(40 + 170 * hash(i)));
const points = Array.from(
  { length: 2048 },
  (_, i) => [0, 1, 2].map((c) => sample[i * 3 + c] / 255) as [number, number, number],
);
const profile = profileOfPoints(points);

const base = {
  sourceColor: { profile, sample },
  source: {
    width: 1280,
    height: 720,
    frame_rate: 30,
    fps_fraction: "30/1",
    duration_seconds: 10,
    has_audio: true,
  },
  edit: editSource,
  durationSeconds: null,
  inputKey: "videos/v/a.mp4",
  quality: "medium" as const,
  lutKey: "artifacts/j/grade.cube",
  audioFilters: () => "loudnorm=I=-14",
};

describe("planEdl", () => {
  it("applies nothing foreign when the style is the source's own", () => {
    const plan = planEdl({
      ...base,
      target: style({ frame_rate: 24 }),
      sourceStyle: style(),
      foreign: false,
    });
    expect(plan.applied).toEqual([]);
    expect(plan.colour.transfer).toBeNull();
    expect(plan.colour.filter).toBeNull();
    expect(plan.audio.filters).toBeNull();
    expect(plan.fps_fraction).toBe("30/1");
    expect(plan.crop).toEqual({ width: 1280, height: 720 });
    expect(plan.output).toEqual({ width: 1280, height: 720, frames: 300 });
    expect(plan.segments).toHaveLength(1);
    expect(EdlSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
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
    const plan = planEdl({ ...base, target, sourceStyle: source, foreign: true });
    expect(plan.crop).toEqual({ width: 404, height: 720 });
    expect(plan.fps_fraction).toBe("24/1");
    expect(plan.output.frames).toBe(240);
    expect(plan.colour.transfer?.method).toBe("parametric");
    expect(plan.colour.filter).toMatch(/^format=yuv420p,lutyuv=y='[^,]+':u='[^,]+':v='[^,]+'$/);
    expect(plan.colour.lut_key).toBe(base.lutKey);
    expect(plan.audio.filters).toBe("loudnorm=I=-14");
    expect(plan.applied).toEqual([
      "aspect_ratio 9:16",
      "frame_rate 24",
      "color_grade (parametric)",
      "audio_style",
    ]);
  });

  it("transfers by distribution when the target carries a colour profile", () => {
    const warmer = profileOfPoints(points.map(([r, g, b]) => [Math.min(1, r * 1.15), g, b * 0.85]));
    const plan = planEdl({
      ...base,
      target: style({ color_profile: warmer }),
      sourceStyle: style(),
      foreign: true,
    });
    expect(plan.colour.transfer?.method).toBe("distribution");
    expect(plan.colour.transfer?.candidates.map((c) => c.method)).toEqual(["reinhard", "mkl", "hm-mkl-hm"]);
    expect(plan.applied).toContain("color_grade (distribution)");
    // Warmer: the V (red-difference) curve rises above identity at mid-chroma, U (blue) falls.
    expect(plan.colour.transfer!.curves.v[8]).toBeGreaterThan(128);
    expect(plan.colour.transfer!.curves.u[8]).toBeLessThan(128);
    expect(EdlSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it("honours the quality preset's height cap", () => {
    expect(
      planEdl({ ...base, quality: "low", target: style(), sourceStyle: style(), foreign: false }).output,
    ).toEqual({ width: 852, height: 480, frames: 300 });
    expect(
      planEdl({ ...base, quality: "high", target: style(), sourceStyle: style(), foreign: false }).encode.crf,
    ).toBe(20);
  });
});

describe("geometry and grade helpers", () => {
  it("crops to an aspect ratio with even sizes", () => {
    expect(cropToAspect(1920, 1080, 16 / 9)).toEqual({ width: 1920, height: 1080 });
    expect(cropToAspect(1920, 1080, 1)).toEqual({ width: 1080, height: 1080 });
    expect(cropToAspect(1080, 1920, 16 / 9)).toEqual({ width: 1080, height: 606 });
  });
  it("keeps exact frame rates as fractions", () => {
    expect(fpsFraction(29.97, "30000/1001")).toBe("30000/1001");
    expect(fpsFraction(24, null)).toBe("24/1");
    expect(fpsFraction(23.976, null)).toBe("2997/125");
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
