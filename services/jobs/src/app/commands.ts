import { AppError, DEFAULT_JOB_CONFIG, type Mode, newId, type Quality, routes } from "@clipzy/contracts";
import type { Broker } from "@clipzy/platform/broker";
import { type Collection, DuplicateKeyError } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { publish } from "@clipzy/platform/messaging";
import { currentTraceParent } from "@clipzy/platform/telemetry";
import { ACTIVE_STATUSES, type IdempotencyDoc, type JobDoc, type VideoRefDoc } from "../domain/job.js";
import { firstStage } from "../domain/stage-order.js";
import type { JobEventLog } from "./event-log.js";
import type { Orchestrator } from "./orchestrator.js";

/** What the jobs service needs to know about a video (served by the upload service). */
export interface VideoInfo extends VideoRefDoc {
  webhook_url: string | null;
  template_video_id: string | null;
}

export interface VideoDirectory {
  /** Resolves the video or null when the tenant has no such video. */
  find(tenantId: string, videoId: string): Promise<VideoInfo | null>;
}

export interface CreateJobInput {
  tenantId: string;
  videoId: string;
  templateVideoId?: string;
  webhookUrl?: string;
  quality?: Quality;
  mode?: Mode;
  styleJson?: string;
  /** A highlight edit's length, seconds: 1 up to the source's duration. */
  durationSeconds?: number;
  idempotencyKey?: string;
  /** A hash of the request body: the same key with another body is a conflict. */
  requestHash?: string;
}

export interface CommandDeps {
  jobs: Collection<JobDoc>;
  idempotency: Collection<IdempotencyDoc>;
  videos: VideoDirectory;
  broker: Broker;
  log: Logger;
  journal: JobEventLog;
  orchestrator: Orchestrator;
  now: () => Date;
}

/** How long an idempotency key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/**
 * The API's commands on jobs: create (idempotent by key) and cancel. A created job's first stage
 * is published through its outbox (Orchestrator.dispatch); a cancel is a guarded update that only
 * an active job passes.
 */
export class JobCommands {
  constructor(private readonly deps: CommandDeps) {}

  /**
   * Creates a job, or with an idempotency key returns the job an earlier identical request
   * created (`replayed`). The key is claimed before the job exists, so concurrent retries
   * cannot create two jobs; a failed create releases the claim.
   */
  async create(input: CreateJobInput): Promise<{ job: JobDoc; replayed: boolean }> {
    if (!input.idempotencyKey) return { job: await this.createJob(input, newId("job")), replayed: false };
    const claim: IdempotencyDoc = {
      _id: `${input.tenantId}:${input.idempotencyKey}`,
      request_hash: input.requestHash ?? "",
      job_id: newId("job"),
      created_at: this.deps.now(),
    };
    try {
      await this.deps.idempotency.insertOne(claim);
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      return { job: await this.replay(input, claim._id), replayed: true };
    }
    try {
      return { job: await this.createJob(input, claim.job_id), replayed: false };
    } catch (err) {
      await this.deps.idempotency.deleteOne({ _id: claim._id });
      throw err;
    }
  }

  private async replay(input: CreateJobInput, claimId: string): Promise<JobDoc> {
    const claim = await this.deps.idempotency.findOne({ _id: claimId });
    if (claim && claim.request_hash !== (input.requestHash ?? "")) {
      throw new AppError(
        "idempotency_conflict",
        "this Idempotency-Key was used with a different request body",
        {
          idempotency_key: input.idempotencyKey,
        },
      );
    }
    // The first request may still be creating the job: give it a moment.
    for (let i = 0; claim && i < 50; i++) {
      const job = await this.deps.jobs.findOne({ _id: claim.job_id, tenant_id: input.tenantId });
      if (job) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new AppError(
      "conflict",
      "a request with this Idempotency-Key is still being processed; retry shortly",
      {
        idempotency_key: input.idempotencyKey,
      },
    );
  }

  private async createJob(input: CreateJobInput, jobId: string): Promise<JobDoc> {
    if (input.styleJson && input.templateVideoId) {
      throw new AppError("validation_error", "give either template_video_id or config.style_json, not both", {
        field: "config.style_json",
      });
    }
    const source = await this.deps.videos.find(input.tenantId, input.videoId);
    if (!source)
      throw new AppError("video_not_found", `video ${input.videoId} not found`, { video_id: input.videoId });
    const d = input.durationSeconds;
    if (d !== undefined && !(Number.isFinite(d) && d >= 1 && d <= source.duration_seconds)) {
      throw new AppError(
        "validation_error",
        `config.duration_seconds must be between 1 and the video's duration (${source.duration_seconds} s)`,
        { field: "config.duration_seconds" },
      );
    }
    // The video's upload-time template is the default, unless the job brings its own style.
    const templateId = input.templateVideoId ?? (input.styleJson ? null : source.template_video_id);
    let template: VideoInfo | null = null;
    if (templateId) {
      template = await this.deps.videos.find(input.tenantId, templateId);
      if (!template) {
        throw new AppError("template_not_found", `template video ${templateId} not found`, {
          template_video_id: templateId,
        });
      }
    }
    const now = this.deps.now();
    const doc: JobDoc = {
      _id: jobId,
      tenant_id: input.tenantId,
      video_id: input.videoId,
      template_video_id: templateId ?? null,
      status: "queued",
      progress_percent: 0,
      current_stage: null,
      done_index: -1,
      created_at: now,
      updated_at: now,
      started_at: null,
      completed_at: null,
      config: {
        quality: input.quality ?? DEFAULT_JOB_CONFIG.quality,
        mode: input.mode ?? DEFAULT_JOB_CONFIG.mode,
        duration_seconds: input.durationSeconds ?? null,
      },
      webhook_url: input.webhookUrl ?? source.webhook_url ?? null,
      style_input: input.styleJson ?? null,
      style_json: null,
      output_key: null,
      error: null,
      processing_time_seconds: null,
      source: refOf(source),
      template: template ? refOf(template) : null,
      trace_parent: currentTraceParent(),
      version: 1,
      outbox: firstStage(),
    };
    await this.deps.jobs.insertOne(doc);
    await this.deps.journal.record(doc);
    await this.deps.orchestrator.dispatch(doc);
    this.deps.log.info({ job_id: doc._id, video_id: doc.video_id }, "job created");
    return doc;
  }

  async cancel(tenantId: string, jobId: string): Promise<JobDoc> {
    const now = this.deps.now();
    const updated = await this.deps.journal.update(
      { _id: jobId, tenant_id: tenantId, status: { $in: ACTIVE_STATUSES } },
      { $set: { status: "cancelled", current_stage: null, updated_at: now, completed_at: now } },
    );
    if (!updated) {
      const doc = await this.deps.journal.get(tenantId, jobId);
      throw new AppError("job_terminal", `job ${jobId} is already ${doc.status} and cannot be cancelled`, {
        job_id: jobId,
        status: doc.status,
      });
    }
    await publish(this.deps.broker, routes.jobCancelled, { jobId });
    await this.deps.orchestrator.announceTerminal(updated);
    return updated;
  }
}

function refOf(v: VideoInfo): VideoRefDoc {
  return {
    video_id: v.video_id,
    storage_key: v.storage_key,
    duration_seconds: v.duration_seconds,
    frame_rate: v.frame_rate,
    width: v.width,
    height: v.height,
    has_audio: v.has_audio,
    content_sha256: v.content_sha256 ?? "",
  };
}
