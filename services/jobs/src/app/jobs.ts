import { randomUUID } from "node:crypto";
import {
  AppError,
  DEFAULT_JOB_CONFIG,
  type EditSummary,
  EditSummaryArtifactSchema,
  type FidelityReport,
  FidelityReportSchema,
  type InputRole,
  isInputRole,
  isStageName,
  isTerminal,
  type Mode,
  newId,
  type Quality,
  routes,
  STAGE_NAMES,
  STAGES,
  type StageName,
  type StyleJson,
  stageIndex,
  stagePercent,
  storageKeys,
} from "@clipzy/contracts";
import { StyleExtractionArtifactSchema } from "@clipzy/models/artifacts";
import { readArtifact } from "@clipzy/platform/artifacts";
import type { Broker } from "@clipzy/platform/broker";
import { type Collection, DuplicateKeyError, type Filter, type Update } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { publish } from "@clipzy/platform/messaging";
import { metrics } from "@clipzy/platform/metrics";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { currentTraceParent, inStoredTrace, SpanKind } from "@clipzy/platform/telemetry";
import {
  ACTIVE_STATUSES,
  type IdempotencyDoc,
  type JobDoc,
  type JobEventDoc,
  type PartDoc,
  type StageTimingDoc,
  type VideoRefDoc,
} from "../domain/job.js";
import { othersDone, partsCost, partsDone, partsOf, pendingParts, stageFraction } from "../domain/parts.js";
import { firstStage, nextStage } from "../domain/progress.js";
import { JobCache } from "./job-cache.js";

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
  events: Collection<JobEventDoc>;
  idempotency: Collection<IdempotencyDoc>;
  videos: VideoDirectory;
  broker: Broker;
  store: ObjectStore;
  log: Logger;
  now?: () => Date;
  /** The API's read cache (see JobCache for how it behaves with several jobs instances). */
  cache?: JobCache;
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
  private readonly cache: JobCache;
  /** Open event streams, by job: each is woken when the job's log may have grown. */
  private readonly watchers = new Map<string, Set<(event?: JobEventDoc) => void>>();
  /** Log reads in flight, by job and position: streams at the same place share one query. */
  private readonly logReads = new Map<string, Promise<JobEventDoc[]>>();
  /** Names this instance in its change broadcasts. */
  readonly instanceId = randomUUID();
  /** Aborted by close(): open streams end, so the gRPC server can shut down. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: JobsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.cache = deps.cache ?? new JobCache();
  }

  async init(): Promise<void> {
    await this.deps.jobs.ensureIndex({ fields: { tenant_id: 1, created_at: -1 } });
    await this.deps.jobs.ensureIndex({ fields: { status: 1 } });
    await this.deps.jobs.ensureIndex({ fields: { outbox: 1 } });
    await this.deps.events.ensureIndex({ fields: { job_id: 1, seq: 1 } });
    await this.deps.idempotency.ensureIndex({
      fields: { created_at: 1 },
      expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    });
  }

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
      created_at: this.now(),
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
    const now = this.now();
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
    await this.record(doc);
    await this.dispatch(doc);
    this.deps.log.info({ job_id: doc._id, video_id: doc.video_id }, "job created");
    return doc;
  }

  /** The job as the API shows it, through the read cache. Another tenant's job is not found. */
  async get(tenantId: string, jobId: string): Promise<JobDoc> {
    let doc = this.cache.get(jobId) ?? null;
    if (!doc) {
      doc = await this.deps.jobs.findOne({ _id: jobId });
      if (doc) this.cache.put(doc);
    }
    if (!doc || doc.tenant_id !== tenantId)
      throw new AppError("job_not_found", `job ${jobId} not found`, { job_id: jobId });
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

  /**
   * The job's state changes after `afterSeq`, oldest first, then each new one as it is recorded,
   * until the terminal one (or `signal`). A change this instance records is handed to its open
   * streams as it is written (no read); the log is read at the start, when another instance's
   * broadcast announces a change, when a handed change is not the next in sequence, and every
   * RESYNC_MS in case a broadcast was lost. Streams of one job at the same position share one
   * read, and sequence numbers make every delivery exact whatever woke it.
   */
  async *watch(
    tenantId: string,
    jobId: string,
    afterSeq: number,
    hangUp: AbortSignal,
  ): AsyncGenerator<JobEventDoc> {
    const signal = AbortSignal.any([hangUp, this.closing.signal]);
    let after = afterSeq;
    let stale = true;
    const handed: JobEventDoc[] = [];
    let wake = () => {};
    const poke = (event?: JobEventDoc) => {
      if (event) handed.push(event);
      else stale = true;
      wake();
    };
    const set = this.watchers.get(jobId) ?? new Set();
    this.watchers.set(jobId, set);
    set.add(poke); // before the first read, so nothing recorded meanwhile is missed
    const resync = setInterval(() => poke(), RESYNC_MS);
    const onAbort = () => poke();
    signal.addEventListener("abort", onAbort);
    try {
      const job = await this.get(tenantId, jobId);
      // a terminal job's version is its last event: a client already past it gets an ended stream
      const lastSeq = isTerminal(job.status) ? job.version : Number.POSITIVE_INFINITY;
      while (!signal.aborted && after < lastSeq) {
        if (!stale && handed.length === 0) await new Promise<void>((r) => (wake = r));
        if (signal.aborted) break;
        let events: JobEventDoc[];
        if (!stale && handed.length > 0) {
          events = handed.splice(0).sort((a, b) => a.seq - b.seq);
          events = events.filter((e) => e.seq > after);
          // a gap (e.g. changes recorded concurrently, handed out of order): read the log instead
          if (events.some((e, i) => e.seq !== after + 1 + i)) stale = true;
        }
        if (stale) {
          stale = false;
          handed.length = 0;
          events = await this.readLog(jobId, after);
          if (events.length === LOG_PAGE) stale = true;
        }
        for (const e of events!) {
          after = e.seq;
          yield e;
          if (isTerminal(e.job.status)) return;
        }
      }
    } finally {
      clearInterval(resync);
      signal.removeEventListener("abort", onAbort);
      set.delete(poke);
      if (set.size === 0) this.watchers.delete(jobId);
    }
  }

  private readLog(jobId: string, after: number): Promise<JobEventDoc[]> {
    const key = `${jobId}:${after}`;
    let read = this.logReads.get(key);
    if (!read) {
      read = this.deps.events.find(
        { job_id: jobId, seq: { $gt: after } },
        { sort: { seq: 1 }, limit: LOG_PAGE },
      );
      this.logReads.set(key, read);
      const forget = () => this.logReads.delete(key);
      read.then(forget, forget);
    }
    return read;
  }

  /** Ends every open event stream (their clients resume elsewhere with Last-Event-ID). */
  close(): void {
    this.closing.abort();
  }

  /** Another jobs instance recorded `seq` of the job (its change broadcast). */
  onJobChanged(jobId: string, seq: number, origin: string): void {
    if (origin === this.instanceId) return; // applied when written
    this.cache.forget(jobId, seq);
    this.wakeWatchers(jobId);
  }

  private wakeWatchers(jobId: string, event?: JobEventDoc): void {
    for (const poke of this.watchers.get(jobId) ?? []) poke(event);
  }

  /** Every state change goes through here: bump the version, and log the new state when it applied. */
  private async update(filter: Filter, update: Update): Promise<JobDoc | null> {
    const doc = await this.deps.jobs.updateOne(filter, { ...update, $inc: { ...update.$inc, version: 1 } });
    if (doc) await this.record(doc);
    return doc;
  }

  private async record(doc: JobDoc): Promise<void> {
    // Listeners get JobResponse, which has no style: keep the log light.
    const job = { ...doc, style_json: null, style_input: null, edit: null };
    const event: JobEventDoc = {
      _id: `${doc._id}:${doc.version}`,
      job_id: doc._id,
      seq: doc.version,
      at: doc.updated_at,
      job,
    };
    await this.deps.events.insertOne(event);
    this.cache.put(doc);
    this.wakeWatchers(doc._id, event);
    await publish(this.deps.broker, routes.jobChanged, {
      jobId: doc._id,
      seq: BigInt(doc.version),
      origin: this.instanceId,
    }).catch((err) =>
      // other instances then see the change within their cache TTL and stream resync
      this.deps.log.warn({ err, job_id: doc._id }, "job change broadcast not published"),
    );
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
    const updated = await this.update(
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

  /**
   * A worker reported progress inside a stage. The common case (the job is already processing) is
   * one guarded write; a queued job is first moved to processing at the stage's first percent.
   * A part's fraction (`input`) counts for its share of the stage, with the other part's as this
   * instance last saw the job (its cache, else one read): the write stores the part's fraction with
   * the stage's percent, so an estimate can lag behind, never run ahead or go backward.
   */
  async onStageProgress(jobId: string, stage: string, fraction: number, input?: string): Promise<void> {
    if (!isStageName(stage)) return;
    const idx = stageIndex(stage);
    const now = this.now();
    let percent = stagePercent(stage, fraction);
    const part: Update = {};
    if (input && isInputRole(input)) {
      const doc = this.cache.get(jobId) ?? (await this.deps.jobs.findOne({ _id: jobId }));
      if (!doc || !partsOf(doc, stage).includes(input)) return;
      percent = stagePercent(stage, stageFraction(doc, stage, input, fraction));
      part.$max = { [`stage_parts.${stage}.${input}.fraction`]: fraction };
    }
    const advance = () =>
      this.update(
        { _id: jobId, status: "processing", done_index: { $lt: idx }, progress_percent: { $lt: percent } },
        { ...part, $set: { current_stage: stage, progress_percent: percent, updated_at: now } },
      );
    if (await advance()) return;
    const started = await this.update(
      { _id: jobId, status: "queued" },
      {
        $set: { status: "processing", started_at: now, current_stage: stage, updated_at: now },
        $max: { progress_percent: stagePercent(stage, 0) },
      },
    );
    if (started) await advance();
  }

  /**
   * A worker stored a stage's artifact: advance to the next stage or complete, recording what the
   * stage cost and which inputs' analyses it reused from the content-hash cache. A part's done
   * (`input`) is recorded first; the stage advances when the last part is in, whichever order the
   * parts finish in (the record is a guarded update, so of two parts done at once exactly one sees
   * the other's; a redelivered part changes nothing, and the advance is guarded as ever).
   */
  async onStageDone(
    jobId: string,
    stage: string,
    timing?: StageTimingDoc,
    reusedInputs: string[] = [],
    input?: string,
  ): Promise<void> {
    if (!isStageName(stage)) return;
    let doc = await this.deps.jobs.findOne({ _id: jobId });
    if (!doc || !ACTIVE_STATUSES.includes(doc.status)) return;
    const idx = stageIndex(stage);
    const next = nextStage(stage, doc.config.mode);
    if (input && isInputRole(input) && partsOf(doc, stage).includes(input)) {
      const part: PartDoc = {
        done: true,
        fraction: 1,
        timing: timing ?? null,
        reused: reusedInputs.includes(input),
      };
      // The last part to land records itself and advances the stage in one update (one state
      // change, not two). Not the last, or recorded before (a redelivery after a crash), or beaten
      // by the other part: step by step, record, then advance once every part is in.
      if (next && othersDone(doc, stage, input)) {
        const at = `stage_parts.${stage}.${input}`;
        const cost = partsCost({ ...doc.stage_parts?.[stage], [input]: part });
        if (await this.advance(doc, stage, next, cost, { [`${at}.done`]: { $ne: true } }, { [at]: part }))
          return;
      }
      doc = await this.recordPart(doc, stage, input, part);
      if (!doc || !partsDone(doc, stage)) return;
    }
    if (partsDone(doc, stage)) ({ timing, reused: reusedInputs } = partsCost(doc.stage_parts?.[stage] ?? {}));
    if (next) {
      await this.advance(doc, stage, next, { timing, reused: reusedInputs });
      return;
    }

    const now = this.now();
    const guard = { _id: jobId, status: { $in: ACTIVE_STATUSES }, done_index: { $lt: idx } };
    const cost = costFields(stage, timing, reusedInputs);
    const started = doc.started_at ?? doc.created_at;
    const completed = await this.update(guard, {
      $set: {
        ...cost,
        status: "completed",
        progress_percent: 100,
        current_stage: null,
        done_index: idx,
        updated_at: now,
        started_at: started,
        completed_at: now,
        processing_time_seconds: Math.round((now.getTime() - started.getTime()) / 10) / 100,
        style_json: doc.style_json ?? (await this.readStyle(jobId)),
        edit: doc.config.mode === "full" ? await this.readEdit(jobId) : null,
        fidelity: doc.config.mode === "full" ? await this.readFidelity(jobId) : null,
        output_key: doc.config.mode === "full" ? storageKeys.output(jobId) : null,
      },
    });
    if (completed) {
      this.deps.log.info({ job_id: jobId }, "job completed");
      await this.announceTerminal(completed);
    }
  }

  /**
   * Moves the job past a done stage to `next` and publishes its task (the outbox). Guarded: only a
   * job still before the stage advances, once. `guard` and `set` add to the update's filter and
   * fields (a last part recorded by the same update). Null when the guard did not hold.
   */
  private async advance(
    doc: JobDoc,
    stage: StageName,
    next: StageName,
    cost: { timing?: StageTimingDoc; reused: string[] },
    guard: Filter = {},
    set: Record<string, unknown> = {},
  ): Promise<JobDoc | null> {
    const idx = stageIndex(stage);
    const now = this.now();
    const advanced = await this.update(
      { _id: doc._id, status: { $in: ACTIVE_STATUSES }, done_index: { $lt: idx }, ...guard },
      {
        $set: {
          ...set,
          ...costFields(stage, cost.timing, cost.reused),
          ...(stage === "style_extraction" ? { style_json: await this.readStyle(doc._id) } : {}),
          status: "processing",
          started_at: doc.started_at ?? now,
          done_index: idx,
          current_stage: next,
          updated_at: now,
          outbox: next,
        },
        $max: { progress_percent: STAGES[idx + 1].from },
      },
    );
    if (advanced) await this.dispatch(advanced);
    return advanced;
  }

  /**
   * Marks one part of the job's running stage done (with its cost), and raises the percent to the
   * parts' combined fraction. Returns the job after it, or as it is when the part was recorded
   * before (a redelivery, or a crash before the advance): the caller then advances if it is the last.
   */
  private async recordPart(
    doc: JobDoc,
    stage: StageName,
    input: InputRole,
    part: PartDoc,
  ): Promise<JobDoc | null> {
    const now = this.now();
    const at = `stage_parts.${stage}.${input}`;
    const recorded = await this.update(
      {
        _id: doc._id,
        status: { $in: ACTIVE_STATUSES },
        done_index: { $lt: stageIndex(stage) },
        [`${at}.done`]: { $ne: true },
      },
      {
        $set: {
          [at]: part,
          status: "processing",
          started_at: doc.started_at ?? now,
          current_stage: stage,
          updated_at: now,
        },
        $max: { progress_percent: stagePercent(stage, stageFraction(doc, stage, input, 1)) },
      },
    );
    return recorded ?? (await this.deps.jobs.findOne({ _id: doc._id }));
  }

  /**
   * A worker gave up on a stage. Only the job's running stage can fail it: a stale duplicate task
   * of a stage already done (redelivered, or re-published by a sweep) reporting failure late is
   * ignored, so it cannot fail a job that has moved on.
   */
  async onStageFailed(jobId: string, stage: string, message: string, input?: string): Promise<void> {
    if (!isStageName(stage)) return;
    const now = this.now();
    // a part already done cannot fail either (a stale duplicate of it)
    const part = input && isInputRole(input) ? { [`stage_parts.${stage}.${input}.done`]: { $ne: true } } : {};
    const failed = await this.update(
      { _id: jobId, status: { $in: ACTIVE_STATUSES }, done_index: stageIndex(stage) - 1, ...part },
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
      // the other part of the stage, running elsewhere, has nothing left to do
      if (input) await publish(this.deps.broker, routes.jobCancelled, { jobId });
      await this.announceTerminal(failed);
    }
  }

  /**
   * Publishes the stage in the job's outbox (each part not yet done, for a stage run in parts),
   * then clears it (only if it still names that stage). A failed publish is logged and left to
   * sweepOutbox.
   */
  private async dispatch(doc: JobDoc): Promise<void> {
    const stage = doc.outbox;
    if (!stage) return;
    try {
      await this.publishStage(doc, stage);
      await this.deps.jobs.updateOne({ _id: doc._id, outbox: stage }, { $set: { outbox: null } });
    } catch (err) {
      this.deps.log.warn(
        { err, job_id: doc._id, stage },
        "stage task not published yet; the outbox sweep retries it",
      );
    }
  }

  /**
   * Publishes every outbox entry older than `graceMs`: the jobs whose state change was stored but
   * whose task was not published (a crash or a broker failure in between). Runs on a timer; with
   * several instances a task may be published twice, which stages tolerate (they are idempotent).
   */
  async sweepOutbox(graceMs: number): Promise<number> {
    const before = new Date(this.now().getTime() - graceMs);
    // One equality query per stage rather than `$in`: FerretDB evaluates `$in` over a scan of every
    // job ever stored (34 ms a sweep at 300 jobs, growing), an equality in the backend (1 ms).
    const stalled: JobDoc[] = [];
    for (const stage of STAGE_NAMES) {
      if (stalled.length >= OUTBOX_SWEEP_LIMIT) break;
      stalled.push(
        ...(await this.deps.jobs.find(
          { outbox: stage, updated_at: { $lt: before } },
          { limit: OUTBOX_SWEEP_LIMIT - stalled.length },
        )),
      );
    }
    for (const doc of stalled) {
      if (ACTIVE_STATUSES.includes(doc.status)) await this.dispatch(doc);
      else await this.deps.jobs.updateOne({ _id: doc._id }, { $set: { outbox: null } });
    }
    if (stalled.length) this.deps.log.info({ jobs: stalled.length }, "outbox sweep published stalled tasks");
    return stalled.length;
  }

  /**
   * Re-publishes the running stage of every active job (its parts not yet done). The embedded
   * broker keeps messages in memory, so after a restart this is what makes queued work survive;
   * stages are idempotent. A stage whose parts are all done but which did not advance (a crash in
   * between) advances now.
   */
  async resumeActiveJobs(): Promise<number> {
    const active = await this.deps.jobs.find({ status: { $in: ACTIVE_STATUSES } });
    for (const doc of active) {
      const stage = STAGES[doc.done_index + 1]?.name;
      if (!stage) continue;
      if (partsDone(doc, stage)) await this.onStageDone(doc._id, stage);
      else await this.publishStage(doc, stage);
    }
    return active.length;
  }

  private async publishStage(doc: JobDoc, stage: StageName): Promise<void> {
    for (const input of pendingParts(doc, stage)) await this.publishTask(doc, stage, input);
  }

  /** The style-applier's edit summary; null for a job planned by an engine from before it. */
  private async readEdit(jobId: string): Promise<EditSummary | null> {
    const key = storageKeys.artifact(jobId, "edit_summary");
    if (!(await this.deps.store.stat(key))) return null;
    return (await readArtifact(this.deps.store, key, EditSummaryArtifactSchema)).edit;
  }

  private async readStyle(jobId: string): Promise<StyleJson> {
    const key = storageKeys.artifact(jobId, "style_extraction");
    return (await readArtifact(this.deps.store, key, StyleExtractionArtifactSchema)).style_json;
  }

  /** The rendering stage's report; null for a render that wrote none (an engine from before it). */
  private async readFidelity(jobId: string): Promise<FidelityReport | null> {
    const key = storageKeys.artifact(jobId, "fidelity");
    if (!(await this.deps.store.stat(key))) return null;
    return readArtifact(this.deps.store, key, FidelityReportSchema);
  }

  private publishTask(doc: JobDoc, stage: StageName, input?: InputRole): Promise<void> {
    const ref = (v: VideoRefDoc) => ({
      videoId: v.video_id,
      storageKey: v.storage_key,
      durationSeconds: v.duration_seconds,
      frameRate: v.frame_rate,
      width: v.width,
      height: v.height,
      hasAudio: v.has_audio,
      contentSha256: v.content_sha256 ?? "",
    });
    const attributes = {
      "clipzy.job_id": doc._id,
      "clipzy.stage": stage,
      ...(input ? { "clipzy.input": input } : {}),
    };
    return inStoredTrace(
      doc.trace_parent,
      `jobs: start ${stage}`,
      { kind: SpanKind.PRODUCER, attributes },
      () =>
        publish(this.deps.broker, routes.stageTask(stage), {
          jobId: doc._id,
          tenantId: doc.tenant_id,
          stage,
          source: ref(doc.source),
          template: doc.template ? ref(doc.template) : undefined,
          quality: doc.config.quality,
          mode: doc.config.mode,
          styleJson: doc.style_input ?? undefined,
          durationSeconds: doc.config.duration_seconds ?? undefined,
          input,
        }),
    );
  }

  /** Called once per job, by the transition that won the guarded update into a terminal status. */
  private announceTerminal(doc: JobDoc): Promise<void> {
    metrics.jobsTerminal.inc({ status: doc.status });
    const attributes = { "clipzy.job_id": doc._id, "clipzy.status": doc.status };
    return inStoredTrace(
      doc.trace_parent,
      `jobs: ${doc.status}`,
      { kind: SpanKind.PRODUCER, attributes },
      () =>
        publish(this.deps.broker, routes.jobTerminal, {
          jobId: doc._id,
          tenantId: doc.tenant_id,
          status: doc.status,
        }),
    );
  }
}

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Stalled outbox entries published by one sweep at most. */
const OUTBOX_SWEEP_LIMIT = 100;
/** How often an open event stream re-reads the log even without a change notice. */
const RESYNC_MS = 30_000;
/** Events read from the log at a time. */
const LOG_PAGE = 500;

/** The fields a done stage records: what it cost, and which inputs' analyses it reused. */
function costFields(stage: StageName, timing: StageTimingDoc | undefined, reused: readonly string[]) {
  return {
    ...(timing ? { [`stage_timings.${stage}`]: timing } : {}),
    ...(reused.length ? { [`analysis_reused.${stage}`]: reused } : {}),
  };
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
