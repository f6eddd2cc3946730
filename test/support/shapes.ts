import { expect } from "vitest";

/** Field-by-field checks of the documented response shapes (seeds 000–004). */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const STAGES = [
  "video_analysis",
  "audio_analysis",
  "motion_analysis",
  "style_extraction",
  "style_application",
  "rendering",
];

export function expectEnvelope(body: any, message: string): void {
  expect(body.success).toBe(true);
  expect(body.message).toBe(message);
  expect(typeof body.data).toBe("object");
}

export function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.success).toBe(false);
  expect(res.body.data).toBeNull();
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(5);
  expect(typeof res.body.error.details).toBe("object");
}

export function expectJobResponse(job: any): void {
  expect(job.job_id).toMatch(/^job_[a-z0-9]{12,}$/);
  expect(job.video_id).toMatch(/^vid_[a-z0-9]{12,}$/);
  expect(["queued", "processing", "completed", "failed", "cancelled"]).toContain(job.status);
  expect(Number.isInteger(job.progress_percent)).toBe(true);
  expect(job.progress_percent).toBeGreaterThanOrEqual(0);
  expect(job.progress_percent).toBeLessThanOrEqual(100);
  if (job.status === "processing") expect(STAGES).toContain(job.current_stage);
  else expect(job.current_stage).toBeNull();
  expect(job.created_at).toMatch(ISO);
  expect(job.updated_at).toMatch(ISO);
  for (const k of ["started_at", "completed_at"]) if (job[k] !== null) expect(job[k]).toMatch(ISO);
  expect("template_video_id" in job).toBe(true);
}

export function expectVideoResponse(v: any, filename: string): void {
  expect(v.video_id).toMatch(/^vid_[a-z0-9]{12,}$/);
  expect(v.filename).toBe(filename);
  expect(Number.isInteger(v.file_size_bytes)).toBe(true);
  expect(v.file_size_bytes).toBeGreaterThan(0);
  const m = v.metadata;
  for (const k of ["width", "height", "bitrate_kbps"]) expect(Number.isInteger(m[k]), k).toBe(true);
  for (const k of ["duration_seconds", "frame_rate"]) expect(typeof m[k], k).toBe("number");
  expect(typeof m.codec).toBe("string");
  expect(typeof m.format).toBe("string");
  expect(v.uploaded_at).toMatch(ISO);
  expect(v.storage_url).toMatch(/^file:\/\/\//);
}

export function expectStyleJson(s: any): void {
  expect(s.version).toBe("1.0");
  for (const k of [
    "color_grade",
    "aspect_ratio",
    "frame_rate",
    "audio_style",
    "cut_frequency",
    "motion_intensity",
    "zoom_usage",
    "primary_transition",
    "detected_beats",
    "tempo_bpm",
    "music_genre",
    "created_at",
    "source_duration_seconds",
    "extraction_confidence",
  ]) {
    expect(k in s, k).toBe(true);
  }
  if (s.color_grade) {
    for (const k of ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"]) {
      expect(Number.isInteger(s.color_grade[k]), k).toBe(true);
      expect(Math.abs(s.color_grade[k])).toBeLessThanOrEqual(100);
    }
  }
  if (s.audio_style) {
    expect(typeof s.audio_style.normalization_level).toBe("number");
    expect(typeof s.audio_style.compression_ratio).toBe("number");
    expect(typeof s.audio_style.bass_boost).toBe("number");
    expect(typeof s.audio_style.enhance_speech).toBe("boolean");
  }
  if (s.primary_transition) {
    expect(typeof s.primary_transition.type).toBe("string");
    expect(typeof s.primary_transition.duration_ms).toBe("number");
    expect(typeof s.primary_transition.easing).toBe("string");
  }
  expect(Array.isArray(s.detected_beats)).toBe(true);
  for (const b of s.detected_beats) {
    expect(typeof b.timestamp_ms).toBe("number");
    expect(b.confidence).toBeGreaterThanOrEqual(0);
    expect(b.confidence).toBeLessThanOrEqual(1);
    expect(["bass", "mid", "high"]).toContain(b.frequency);
  }
  expect(s.created_at).toMatch(ISO);
  expect(typeof s.extraction_confidence).toBe("number");
}
