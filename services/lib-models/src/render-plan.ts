import type { ColorGrade } from "@clipzy/contracts";

/** The style_application artifact: what the renderer executes in one ffmpeg run. */
export interface EncodeSettings {
  crf: number;
  preset: string;
  max_height: number;
  audio_bitrate_kbps: number;
}

export interface RenderPlan {
  input_key: string;
  duration_seconds: number;
  has_audio: boolean;
  /** Video filters in order, before the grade LUT (the renderer appends lut3d when lut_key is set). */
  video_filters: string[];
  /** The grade change to apply, or null for none. */
  grade_delta: ColorGrade | null;
  lut_key: string | null;
  audio_filters: string | null;
  encode: EncodeSettings;
  /** What of the style was applied, for people reading the artifact. */
  applied: string[];
}
