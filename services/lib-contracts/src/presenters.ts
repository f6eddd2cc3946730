import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Job, StageTiming, Video } from "@clipzy/proto";
import type { FidelityReport } from "./fidelity.js";
import type { StyleJson } from "./style.js";

/** The public JSON shapes of seeds 000–004, built from the internal messages in one place. */

/** ISO 8601 UTC with `Z`, to the second, as the docs show (toISOString always ends in `.sssZ`). */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, -5)}Z`;
}

const iso = (t: Timestamp | undefined): string | null => (t ? isoSeconds(timestampDate(t)) : null);

export interface JobResponse {
  job_id: string;
  video_id: string;
  status: string;
  progress_percent: number;
  current_stage: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  template_video_id: string | null;
  /** Estimated seconds to completion while processing (see estimateEtaSeconds), else null. */
  eta_seconds: number | null;
  /** Where each finished stage's time went, in stage order. */
  stage_timings: StageTimingResponse[];
  /** Analyses taken from the content-hash cache instead of decoding the input again, in stage order. */
  analysis_reused: { stage: string; input: string }[];
  error?: { stage: string; message: string } | null;
}

/** Where one task's (or one stage's) time went. */
export interface StageCostResponse {
  wall_seconds: number;
  queue_wait_seconds: number;
  ffmpeg_runs: number;
  ffmpeg_seconds: number;
  ffmpeg_cpu_seconds: number | null;
  worker_cpu_seconds: number;
}

export interface StageTimingResponse extends StageCostResponse {
  stage: string;
  /** A stage run as one task per input (a templated job's analyses): each task's own cost; else empty. */
  parts: ({ input: string } & StageCostResponse)[];
}

const ms = (s: number) => Math.round(s * 1000) / 1000;

const costResponse = (t: StageTiming | undefined): StageCostResponse => ({
  wall_seconds: ms(t?.wallSeconds ?? 0),
  queue_wait_seconds: ms(t?.queueWaitSeconds ?? 0),
  ffmpeg_runs: t?.ffmpegRuns ?? 0,
  ffmpeg_seconds: ms(t?.ffmpegSeconds ?? 0),
  ffmpeg_cpu_seconds: t?.ffmpegCpuSeconds === undefined ? null : ms(t.ffmpegCpuSeconds),
  worker_cpu_seconds: ms(t?.workerCpuSeconds ?? 0),
});

export interface JobDetailResponse extends JobResponse {
  style_json: StyleJson | null;
  /** The edit the render carried out (cuts, segments, transitions); null until completed and for style_only. */
  edit: Record<string, unknown> | null;
  output_video_url: string | null;
  error: { stage: string; message: string } | null;
  processing_time_seconds: number | null;
  /** Requested vs achieved style of a completed full job; null otherwise. */
  fidelity: FidelityReport | null;
}

/**
 * An estimate, not a promise: the job's average rate so far (percent per second since it
 * started) extrapolated over what is left. Stages differ in cost, so it is rough early in a job
 * and improves as it runs; null until there is 2% of progress to measure.
 */
export function estimateEtaSeconds(progress: number, startedAt: Date | null, now: Date): number | null {
  if (!startedAt || progress < 3 || progress >= 100) return null;
  const elapsed = (now.getTime() - startedAt.getTime()) / 1000;
  if (elapsed <= 0) return null;
  const rate = (progress - 1) / elapsed;
  return Math.max(0, Math.round((100 - progress) / rate));
}

export function jobResponse(job: Job, now: Date = new Date()): JobResponse {
  const out: JobResponse = {
    job_id: job.jobId,
    video_id: job.videoId,
    status: job.status,
    progress_percent: job.progressPercent,
    current_stage: job.currentStage ?? null,
    created_at: iso(job.createdAt)!,
    updated_at: iso(job.updatedAt)!,
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    template_video_id: job.templateVideoId ?? null,
    eta_seconds:
      job.status === "processing"
        ? estimateEtaSeconds(job.progressPercent, job.startedAt ? timestampDate(job.startedAt) : null, now)
        : null,
    stage_timings: job.stageTimings.map(({ stage, timing, parts }) => ({
      stage,
      ...costResponse(timing),
      parts: parts.map((p) => ({ input: p.input, ...costResponse(p.timing) })),
    })),
    analysis_reused: job.analysisReused.map(({ stage, input }) => ({ stage, input })),
  };
  if (job.status === "failed")
    out.error = job.error ? { stage: job.error.stage, message: job.error.message } : null;
  return out;
}

export function jobDetailResponse(job: Job): JobDetailResponse {
  return {
    ...jobResponse(job),
    style_json: job.styleJson ? (JSON.parse(job.styleJson) as StyleJson) : null,
    edit: job.edit ? (JSON.parse(job.edit) as Record<string, unknown>) : null,
    output_video_url: job.outputVideoUrl ?? null,
    error:
      job.error && job.status === "failed" ? { stage: job.error.stage, message: job.error.message } : null,
    processing_time_seconds: job.processingTimeSeconds ?? null,
    fidelity: job.fidelityJson ? (JSON.parse(job.fidelityJson) as FidelityReport) : null,
  };
}

export interface VideoResponse {
  video_id: string;
  filename: string;
  file_size_bytes: number;
  metadata: {
    width: number;
    height: number;
    duration_seconds: number;
    frame_rate: number;
    codec: string;
    bitrate_kbps: number;
    format: string;
  };
  uploaded_at: string;
  storage_url: string;
  webhook_url: string | null;
  template_video_id: string | null;
}

export function videoResponse(v: Video): VideoResponse {
  const m = v.metadata;
  return {
    video_id: v.videoId,
    filename: v.filename,
    file_size_bytes: Number(v.fileSizeBytes),
    metadata: {
      width: m?.width ?? 0,
      height: m?.height ?? 0,
      duration_seconds: m?.durationSeconds ?? 0,
      frame_rate: m?.frameRate ?? 0,
      codec: m?.codec ?? "",
      bitrate_kbps: m?.bitrateKbps ?? 0,
      format: m?.format ?? "",
    },
    uploaded_at: iso(v.uploadedAt)!,
    storage_url: v.storageUrl,
    webhook_url: v.webhookUrl ?? null,
    template_video_id: v.templateVideoId ?? null,
  };
}

/** Standard response envelope. */
export const envelope = <T>(message: string, data: T) => ({ success: true as const, message, data });
