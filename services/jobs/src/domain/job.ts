import type {
  EditSummary,
  FidelityReport,
  JobStatus,
  Mode,
  Quality,
  StageCostResponse,
  StageName,
  StyleJson,
} from "@clipzy/contracts";

/** The job document as the jobs service stores it. */
export interface VideoRefDoc {
  video_id: string;
  storage_key: string;
  duration_seconds: number;
  frame_rate: number;
  width: number;
  height: number;
  has_audio: boolean;
  /** sha256 of the video's bytes ("" when unknown): its analyses are cached under it. */
  content_sha256?: string;
}

export interface JobDoc {
  _id: string;
  tenant_id: string;
  video_id: string;
  template_video_id: string | null;
  status: JobStatus;
  progress_percent: number;
  current_stage: StageName | null;
  /** Index of the last stage that reported done (-1 when none). Only ever grows. */
  done_index: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  /** duration_seconds: a highlight edit of that length; null for the source's length. */
  config: { quality: Quality; mode: Mode; duration_seconds?: number | null };
  webhook_url: string | null;
  /** A StyleJSON the user supplied to apply, JSON-encoded. */
  style_input: string | null;
  style_json: StyleJson | null;
  /** The edit the render carried out (from the edit decision list), once completed. */
  edit?: EditSummary | null;
  /** The rendering stage's fidelity report (full mode), stored at completion. */
  fidelity?: FidelityReport | null;
  output_key: string | null;
  error: { stage: string; message: string } | null;
  processing_time_seconds: number | null;
  source: VideoRefDoc;
  template: VideoRefDoc | null;
  /** What each finished stage cost, by stage name (absent before the first is done). */
  stage_timings?: Partial<Record<StageName, StageTimingDoc>>;
  /** The parts of the stages run as several tasks (stageParts), by stage and part. */
  stage_parts?: Partial<Record<StageName, Partial<Record<string, PartDoc>>>>;
  /**
   * The chunks the render is split into (stageParts), fixed when the job advances into rendering
   * from its edit's length and the chunk size then configured; absent or 1: one render.
   */
  render_chunks?: number;
  /** W3C traceparent of the request that created the job: every stage joins that trace. */
  trace_parent?: string | null;
  /** Per analysis stage, the inputs ("source", "template") whose analysis came from the content-hash cache. */
  analysis_reused?: Partial<Record<StageName, string[]>>;
  /** Incremented by every change; the sequence number of the job's event log. */
  version: number;
  /**
   * The stage task this job still has to publish: written by the same update that calls for the
   * task and cleared once it is published, so a crash in between leaves it here for the sweep.
   */
  outbox?: StageName | null;
  [key: string]: unknown;
}

/** Where one task's time went, as the API shows it (see StageTiming in proto/clipzy/v1/events.proto). */
export type StageCostDoc = StageCostResponse;

/** A stage's cost; for a stage run in parts, its span and sums, with each part's own cost. */
export interface StageTimingDoc extends StageCostDoc {
  parts?: Partial<Record<string, StageCostDoc>>;
}

/** One part of a stage: its latest reported fraction, and once its artifact is stored, what it cost. */
export interface PartDoc {
  fraction?: number;
  done?: boolean;
  timing?: StageCostDoc | null;
  /** Its input's analysis came from the content-hash cache. */
  reused?: boolean;
  /** A final part (stageParts): its task was queued, once every other part was done. */
  queued?: boolean;
}

/** One state change of a job, kept so live listeners can resume from where they left off. */
export interface JobEventDoc {
  _id: string;
  job_id: string;
  seq: number;
  at: Date;
  job: JobDoc;
  [key: string]: unknown;
}

/** An idempotency key's claim on a job, for 24 hours. */
export interface IdempotencyDoc {
  _id: string;
  request_hash: string;
  job_id: string;
  created_at: Date;
  [key: string]: unknown;
}

export const ACTIVE_STATUSES: JobStatus[] = ["queued", "processing"];
