import {
  AppError,
  isStageName,
  type Mode,
  newId,
  type Quality,
  routes,
  STAGES,
  type StageName,
  type StyleJson,
  stageIndex,
  storageKeys,
} from "@clipzy/contracts";
import type { Broker } from "@clipzy/platform/broker";
import type { Collection, Filter } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { publish } from "@clipzy/platform/messaging";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { ACTIVE_STATUSES, type JobDoc, type VideoRefDoc } from "../domain/job.js";
import { firstStage, nextStage, stagePercent } from "../domain/progress.js";

/** What the jobs service needs to know about a video (served by the upload service). */
export interface VideoInfo extends VideoRefDoc {
  webhook_url: string | null;
  template_video_id: string | null;
}

export interface VideoDirectory {
  /** Resolves the video or null when the tenant has no such video. */
  find(tenantId: string, videoId: string): Promise<VideoInfo | null>;
}

export interface JobsDeps {
  jobs: Collection<JobDoc>;
  videos: VideoDirectory;
  broker: Broker;
  store: ObjectStore;
  log: Logger;
  now?: () => Date;
}

export interface CreateJobInput {
  tenantId: string;
  videoId: string;
  templateVideoId?: string;
  webhookUrl?: string;
  quality?: Quality;
  mode?: Mode;
  styleJson?: string;
}

export interface JobPage {
  jobs: JobDoc[];
  total: number;
}

/**
 * Job use-cases and the orchestration of stages. Every state change is a conditional update on
 * one document, so duplicated, late or reordered stage events can never move a job backward,
 * and a stage-done event publishes the next task only when it is the one that advanced the job.
 */
export class JobsService {
  private readonly now: () => Date;

  constructor(private readonly deps: JobsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async init(): Promise<void> {
    await this.deps.jobs.ensureIndex({ fields: { tenant_id: 1, created_at: -1 } });
    await this.deps.jobs.ensureIndex({ fields: { status: 1 } });
  }

  async create(input: CreateJobInput): Promise<JobDoc> {
    if (input.styleJson && input.templateVideoId) {
      throw new AppError("validation_error", "give either template_video_id or config.style_json, not both", {
        field: "config.style_json",
      });
    }
    const source = await this.deps.videos.find(input.tenantId, input.videoId);
    if (!source)
      throw new AppError("video_not_found", `video ${input.videoId} not found`, { video_id: input.videoId });
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
    const now = this.now();
    const doc: JobDoc = {
      _id: newId("job"),
      tenant_id: input.tenantId,
      video_id: input.videoId,
      template_video_id: templateId ?? null,
      status: "queued",
      progress_percent: 0,
      current_stage: null,
      stage_index: -1,
      done_index: -1,
      created_at: now,
      updated_at: now,
      started_at: null,
      completed_at: null,
      config: { quality: input.quality ?? "medium", mode: input.mode ?? "full" },
      webhook_url: input.webhookUrl ?? source.webhook_url ?? null,
      style_input: input.styleJson ?? null,
      style_json: null,
      output_key: null,
      error: null,
      processing_time_seconds: null,
      source: refOf(source),
      template: template ? refOf(template) : null,
    };
    await this.deps.jobs.insertOne(doc);
    await this.publishTask(doc, firstStage());
    this.deps.log.info({ job_id: doc._id, video_id: doc.video_id }, "job created");
    return doc;
  }

  async get(tenantId: string, jobId: string): Promise<JobDoc> {
    const doc = await this.deps.jobs.findOne({ _id: jobId, tenant_id: tenantId });
    if (!doc) throw new AppError("job_not_found", `job ${jobId} not found`, { job_id: jobId });
    return doc;
  }

  async list(tenantId: string, page: number, pageSize: number, status?: string): Promise<JobPage> {
    const filter: Filter = { tenant_id: tenantId };
    if (status) filter.status = status;
    const [jobs, total] = await Promise.all([
      this.deps.jobs.find(filter, { sort: { created_at: -1 }, skip: (page - 1) * pageSize, limit: pageSize }),
      this.deps.jobs.count(filter),
    ]);
    return { jobs, total };
  }

  async countActive(tenantId: string, videoId: string): Promise<number> {
    return this.deps.jobs.count({
      tenant_id: tenantId,
      status: { $in: ACTIVE_STATUSES },
      $or: [{ video_id: videoId }, { template_video_id: videoId }],
    });
  }

  async cancel(tenantId: string, jobId: string): Promise<JobDoc> {
    const now = this.now();
    const updated = await this.deps.jobs.updateOne(
      { _id: jobId, tenant_id: tenantId, status: { $in: ACTIVE_STATUSES } },
      { $set: { status: "cancelled", current_stage: null, updated_at: now, completed_at: now } },
    );
    if (!updated) {
      const doc = await this.get(tenantId, jobId);
      throw new AppError("job_terminal", `job ${jobId} is already ${doc.status} and cannot be cancelled`, {
        job_id: jobId,
        status: doc.status,
      });
    }
    await publish(this.deps.broker, routes.jobCancelled, { jobId });
    await this.announceTerminal(updated);
    return updated;
  }

  /** A worker reported progress inside a stage. */
  async onStageProgress(jobId: string, stage: string, fraction: number): Promise<void> {
    if (!isStageName(stage)) return;
    const idx = stageIndex(stage);
    const now = this.now();
    await this.deps.jobs.updateOne(
      { _id: jobId, status: "queued" },
      { $set: { status: "processing", started_at: now, updated_at: now } },
    );
    await this.deps.jobs.updateOne(
      {
        _id: jobId,
        status: "processing",
        done_index: { $lt: idx },
        progress_percent: { $lt: stagePercent(stage, fraction) },
      },
      {
        $set: {
          current_stage: stage,
          stage_index: idx,
          progress_percent: stagePercent(stage, fraction),
          updated_at: now,
        },
      },
    );
  }

  /** A worker stored a stage's artifact: advance to the next stage or complete. */
  async onStageDone(jobId: string, stage: string): Promise<void> {
    if (!isStageName(stage)) return;
    const doc = await this.deps.jobs.findOne({ _id: jobId });
    if (!doc || !ACTIVE_STATUSES.includes(doc.status)) return;
    const idx = stageIndex(stage);
    const next = nextStage(stage, doc.config.mode);
    const now = this.now();
    const guard = { _id: jobId, status: { $in: ACTIVE_STATUSES }, done_index: { $lt: idx } };

    if (next) {
      const extra: Record<string, unknown> = {};
      if (stage === "style_extraction") extra.style_json = await this.readStyle(jobId);
      const advanced = await this.deps.jobs.updateOne(guard, {
        $set: {
          ...extra,
          status: "processing",
          started_at: doc.started_at ?? now,
          done_index: idx,
          stage_index: idx + 1,
          current_stage: next,
          updated_at: now,
        },
        $max: { progress_percent: STAGES[idx + 1].from },
      });
      if (advanced) await this.publishTask(advanced, next);
      return;
    }

    const started = doc.started_at ?? doc.created_at;
    const completed = await this.deps.jobs.updateOne(guard, {
      $set: {
        status: "completed",
        progress_percent: 100,
        current_stage: null,
        done_index: idx,
        updated_at: now,
        started_at: started,
        completed_at: now,
        processing_time_seconds: Math.round((now.getTime() - started.getTime()) / 10) / 100,
        style_json: doc.style_json ?? (await this.readStyle(jobId)),
        output_key: doc.config.mode === "full" ? storageKeys.output(jobId) : null,
      },
    });
    if (completed) {
      this.deps.log.info({ job_id: jobId }, "job completed");
      await this.announceTerminal(completed);
    }
  }

  async onStageFailed(jobId: string, stage: string, message: string): Promise<void> {
    const now = this.now();
    const failed = await this.deps.jobs.updateOne(
      { _id: jobId, status: { $in: ACTIVE_STATUSES } },
      {
        $set: {
          status: "failed",
          current_stage: null,
          error: { stage, message },
          updated_at: now,
          completed_at: now,
        },
      },
    );
    if (failed) {
      this.deps.log.warn({ job_id: jobId, stage, message }, "job failed");
      await this.announceTerminal(failed);
    }
  }

  /**
   * Re-publishes the running stage of every active job. The embedded broker keeps messages in
   * memory, so after a restart this is what makes queued work survive; stages are idempotent.
   */
  async resumeActiveJobs(): Promise<number> {
    const active = await this.deps.jobs.find({ status: { $in: ACTIVE_STATUSES } });
    for (const doc of active) {
      const stage = STAGES[doc.done_index + 1]?.name;
      if (stage) await this.publishTask(doc, stage);
    }
    return active.length;
  }

  private async readStyle(jobId: string): Promise<StyleJson | null> {
    const raw = await this.deps.store.getBytes(storageKeys.artifact(jobId, "style_extraction"));
    return (JSON.parse(raw.toString("utf8")) as { style_json: StyleJson }).style_json;
  }

  private publishTask(doc: JobDoc, stage: StageName): Promise<void> {
    const ref = (v: VideoRefDoc) => ({
      videoId: v.video_id,
      storageKey: v.storage_key,
      durationSeconds: v.duration_seconds,
      frameRate: v.frame_rate,
      width: v.width,
      height: v.height,
      hasAudio: v.has_audio,
    });
    return publish(this.deps.broker, routes.stageTask(stage), {
      jobId: doc._id,
      tenantId: doc.tenant_id,
      stage,
      source: ref(doc.source),
      template: doc.template ? ref(doc.template) : undefined,
      quality: doc.config.quality,
      mode: doc.config.mode,
      styleJson: doc.style_input ?? undefined,
    });
  }

  private announceTerminal(doc: JobDoc): Promise<void> {
    return publish(this.deps.broker, routes.jobTerminal, {
      jobId: doc._id,
      tenantId: doc.tenant_id,
      status: doc.status,
    });
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
  };
}
