import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AppError,
  DEFAULT_JOB_CONFIG,
  MODES,
  type Mode,
  QUALITIES,
  type Quality,
  STAGE_NAMES,
} from "@clipzy/contracts";
import type { ServiceImpl } from "@clipzy/platform/grpc";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { type GetJobResponse, GetJobResponseSchema, type JobSchema, type JobService } from "@clipzy/proto";
import type { JobsService } from "../app/jobs.js";
import type { JobDoc, StageCostDoc } from "../domain/job.js";
import { partsOf } from "../domain/parts.js";

const timingOf = (t: StageCostDoc) => ({
  wallSeconds: t.wall_seconds,
  queueWaitSeconds: t.queue_wait_seconds,
  ffmpegRuns: t.ffmpeg_runs,
  ffmpegSeconds: t.ffmpeg_seconds,
  ffmpegCpuSeconds: t.ffmpeg_cpu_seconds ?? undefined,
  workerCpuSeconds: t.worker_cpu_seconds,
});

export function jobsGrpc(jobs: JobsService, store: ObjectStore): ServiceImpl<typeof JobService> {
  // output_video_url: the store's public URL (a presigned GET on S3, the file URL on disk).
  // A summary (what JobResponse shows) has no style_json and no output URL: nothing large to
  // encode, and no presigned URL to sign on every status read.
  const toProto = async (d: JobDoc, summary = false): Promise<MessageInitShape<typeof JobSchema>> => ({
    jobId: d._id,
    tenantId: d.tenant_id,
    videoId: d.video_id,
    templateVideoId: d.template_video_id ?? undefined,
    status: d.status,
    progressPercent: d.progress_percent,
    currentStage: d.current_stage ?? undefined,
    createdAt: timestampFromDate(d.created_at),
    updatedAt: timestampFromDate(d.updated_at),
    startedAt: d.started_at ? timestampFromDate(d.started_at) : undefined,
    completedAt: d.completed_at ? timestampFromDate(d.completed_at) : undefined,
    config: {
      quality: d.config.quality,
      mode: d.config.mode,
      durationSeconds: d.config.duration_seconds ?? undefined,
    },
    edit: d.edit && !summary ? JSON.stringify(d.edit) : undefined,
    webhookUrl: d.webhook_url ?? undefined,
    styleJson: d.style_json && !summary ? JSON.stringify(d.style_json) : undefined,
    outputVideoUrl: d.output_key && !summary ? await store.publicUrl(d.output_key) : undefined,
    error: d.error ?? undefined,
    processingTimeSeconds: d.processing_time_seconds ?? undefined,
    analysisReused: STAGE_NAMES.flatMap((stage) =>
      (d.analysis_reused?.[stage] ?? []).map((input) => ({ stage, input })),
    ),
    stageTimings: STAGE_NAMES.flatMap((stage) => {
      const t = d.stage_timings?.[stage];
      if (!t) return [];
      const parts = partsOf(d, stage).flatMap((input) => {
        const p = t.parts?.[input];
        return p ? [{ input, timing: timingOf(p) }] : [];
      });
      return [{ stage, timing: timingOf(t), parts }];
    }),
    fidelityJson: d.fidelity && !summary ? JSON.stringify(d.fidelity) : undefined,
  });
  const one = async (d: JobDoc, summary = false) => ({ job: await toProto(d, summary) });
  // A status read answers with one message per version of the job: documents are never changed
  // in place (a write caches a new one), and a summary holds nothing that expires (no presigned
  // URL), so it is built once, and the in-process transport encodes it once (localClient).
  const summaries = new WeakMap<JobDoc, GetJobResponse>();
  const summaryOf = async (d: JobDoc) => {
    let reply = summaries.get(d);
    if (!reply) {
      reply = create(GetJobResponseSchema, await one(d, true));
      summaries.set(d, reply);
    }
    return reply;
  };

  return {
    async createJob(req) {
      const quality = req.config?.quality || DEFAULT_JOB_CONFIG.quality;
      const mode = req.config?.mode || DEFAULT_JOB_CONFIG.mode;
      if (!(QUALITIES as readonly string[]).includes(quality)) {
        throw new AppError("validation_error", `config.quality must be one of ${QUALITIES.join(", ")}`, {
          field: "config.quality",
        });
      }
      if (!(MODES as readonly string[]).includes(mode)) {
        throw new AppError("validation_error", `config.mode must be one of ${MODES.join(", ")}`, {
          field: "config.mode",
        });
      }
      const { job, replayed } = await jobs.create({
        tenantId: req.tenantId,
        videoId: req.videoId,
        templateVideoId: req.templateVideoId,
        webhookUrl: req.webhookUrl,
        quality: quality as Quality,
        mode: mode as Mode,
        styleJson: req.styleJson,
        durationSeconds: req.config?.durationSeconds,
        idempotencyKey: req.idempotencyKey,
        requestHash: req.requestHash,
      });
      return { job: await toProto(job), replayed };
    },
    async getJob(req) {
      const doc = await jobs.get(req.tenantId, req.jobId);
      return req.summary ? summaryOf(doc) : one(doc);
    },
    async listJobs(req) {
      const page = await jobs.list(req.tenantId, req.page || 1, req.pageSize || 10, req.status);
      return { jobs: await Promise.all(page.jobs.map((j) => toProto(j, true))), total: page.total };
    },
    async cancelJob(req) {
      return one(await jobs.cancel(req.tenantId, req.jobId));
    },
    async *watchJobEvents(req, ctx) {
      for await (const e of jobs.watch(req.tenantId, req.jobId, Number(req.afterSeq), ctx.signal)) {
        yield { seq: BigInt(e.seq), job: await toProto(e.job, true) };
      }
    },
    async countActiveJobs(req) {
      return { count: await jobs.countActive(req.tenantId, req.videoId) };
    },
  };
}
