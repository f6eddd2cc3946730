import type { ColorGrade, Quality, StyleJson } from "@clipzy/contracts";
import type { EncodeSettings, RenderPlan } from "@clipzy/models/render-plan";

export type { EncodeSettings, RenderPlan } from "@clipzy/models/render-plan";

/**
 * Style application as pure code: a StyleJSON (target) and the source's own style and stream
 * facts become a render plan the renderer executes in one ffmpeg run. Applied now: colour grade
 * (as the change from the source's grade to the target's, rendered through the shared grade
 * model as a 3D LUT), aspect ratio (centre crop), frame rate, audio style (filter chain from
 * the audio model), and the quality preset. Not yet applied: cut rhythm, transitions, zooms.
 */
export interface SourceFacts {
  width: number;
  height: number;
  frame_rate: number;
  duration_seconds: number;
  has_audio: boolean;
}

export const QUALITY_PRESETS: Record<Quality, EncodeSettings> = {
  low: { crf: 28, preset: "veryfast", max_height: 480, audio_bitrate_kbps: 96 },
  medium: { crf: 23, preset: "faster", max_height: 720, audio_bitrate_kbps: 128 },
  high: { crf: 20, preset: "medium", max_height: 1080, audio_bitrate_kbps: 192 },
};

const GRADE_FIELDS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

export function gradeDelta(target: ColorGrade | null, source: ColorGrade | null): ColorGrade | null {
  if (!target) return null;
  const delta = {} as ColorGrade;
  for (const f of GRADE_FIELDS) delta[f] = clamp(Math.round(target[f] - (source?.[f] ?? 0)), -100, 100);
  return GRADE_FIELDS.some((f) => Math.abs(delta[f]) >= 2) ? delta : null;
}

/** "16:9" → 1.777…; null when unparseable. */
export function parseAspect(ar: string | null): number | null {
  const m = ar ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ar) : null;
  if (!m) return null;
  const v = Number(m[1]) / Number(m[2]);
  return v > 0 && Number.isFinite(v) ? v : null;
}

const even = (x: number) => Math.max(2, Math.floor(x / 2) * 2);

/** Centre crop to the target aspect ratio, or null when the source already has it (within 1%). */
export function cropToAspect(width: number, height: number, aspect: number): string | null {
  const current = width / height;
  if (Math.abs(current - aspect) / aspect < 0.01) return null;
  return current > aspect
    ? `crop=${even(height * aspect)}:${even(height)}`
    : `crop=${even(width)}:${even(width / aspect)}`;
}

export interface PlanInput {
  target: StyleJson;
  sourceStyle: StyleJson;
  /** False when the target is the source's own style: nothing foreign is applied. */
  foreign: boolean;
  source: SourceFacts;
  inputKey: string;
  quality: Quality;
  lutKey: string;
  audioFilters: (target: StyleJson) => string | null;
}

export function planRender(p: PlanInput): RenderPlan {
  const filters: string[] = [];
  const applied: string[] = [];
  let grade: ColorGrade | null = null;
  let audio: string | null = null;
  const encode = QUALITY_PRESETS[p.quality];

  if (p.foreign) {
    const aspect = parseAspect(p.target.aspect_ratio);
    const crop = aspect ? cropToAspect(p.source.width, p.source.height, aspect) : null;
    if (crop) {
      filters.push(crop);
      applied.push(`aspect_ratio ${p.target.aspect_ratio}`);
    }
    const fps = p.target.frame_rate;
    if (fps && Math.abs(fps - p.source.frame_rate) > 0.5) {
      filters.push(`fps=${fps}`);
      applied.push(`frame_rate ${fps}`);
    }
    grade = gradeDelta(p.target.color_grade, p.sourceStyle.color_grade);
    if (grade) applied.push("color_grade");
    audio = p.source.has_audio ? p.audioFilters(p.target) : null;
    if (audio) applied.push("audio_style");
  }
  filters.push(`scale=-2:'trunc(min(ih\\,${encode.max_height})/2)*2'`);
  return {
    input_key: p.inputKey,
    duration_seconds: p.source.duration_seconds,
    has_audio: p.source.has_audio,
    video_filters: filters,
    grade_delta: grade,
    lut_key: grade ? p.lutKey : null,
    audio_filters: audio,
    encode,
    applied,
  };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
