import {
  isStageName,
  renderChunkCount,
  routes,
  STAGE_NAMES,
  STAGES,
  type StageName,
  stageIndex,
  stagePercent,
} from "@clipzy/contracts";
import type { Broker } from "@clipzy/platform/broker";
import type { Collection, Filter, Update } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { publish } from "@clipzy/platform/messaging";
import { metrics } from "@clipzy/platform/metrics";
import { inStoredTrace, SpanKind } from "@clipzy/platform/telemetry";
import {
  ACTIVE_STATUSES,
  type JobDoc,
  type PartDoc,
  type StageTimingDoc,
  type VideoRefDoc,
} from "../domain/job.js";
import {
  finalDue,
  othersDone,
  partsCost,
  partsDone,
  partsOf,
  pendingParts,
  planOf,
  stageFraction,
} from "../domain/parts.js";
import { nextStage } from "../domain/stage-order.js";
import type { JobEventLog } from "./event-log.js";
import type { JobResults } from "./results.js";

export interface OrchestratorDeps {
  jobs: Collection<JobDoc>;
  broker: Broker;
  log: Logger;
  journal: JobEventLog;
  results: JobResults;
  now: () => Date;
  /** Output seconds per render chunk (RENDER_CHUNK_SECONDS); 0: every render in one task. */
  renderChunkSeconds: number;
}

/** Stalled outbox entries published by one sweep at most. */
const OUTBOX_SWEEP_LIMIT = 100;

/**
 * The orchestration of stages: workers' progress, done and failed events move a job through its
 * stages, and each stage's task is published through the job's outbox. Every state change is a
 * conditional update on one document (JobEventLog.update), so duplicated, late or reordered stage
 * events can never move a job backward, and a stage-done event publishes the next task only when
 * it is the one that advanced the job.
 */
export class Orchestrator {
  constructor(private readonly deps: OrchestratorDeps) {}

  /**
   * A worker reported progress inside a stage. The common case (the job is already processing) is
   * one guarded write; a queued job is first moved to processing at the stage's first percent.
   * A part's fraction counts for its share of the stage, with the other parts' as this instance
   * last saw the job (its cache, else one read): the write stores the part's fraction with the
   * stage's percent, so an estimate can lag behind, never run ahead or go backward.
   */
  async onStageProgress(jobId: string, stage: string, fraction: number, part?: string): Promise<void> {
    if (!isStageName(stage)) return;
    const idx = stageIndex(stage);
    const now = this.deps.now();
    let percent = stagePercent(stage, fraction);
    const partFraction: Update = {};
    if (part) {
      const doc = this.deps.journal.cached(jobId) ?? (await this.deps.jobs.findOne({ _id: jobId }));
      if (!doc || !partsOf(doc, stage).includes(part)) return;
      percent = stagePercent(stage, stageFraction(doc, stage, part, fraction));
      partFraction.$max = { [`stage_parts.${stage}.${part}.fraction`]: fraction };
    }
    const advance = () =>
      this.deps.journal.update(
        { _id: jobId, status: "processing", done_index: { $lt: idx }, progress_percent: { $lt: percent } },
        { ...partFraction, $set: { current_stage: stage, progress_percent: percent, updated_at: now } },
      );
    if (await advance()) return;
    const started = await this.deps.journal.update(
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
   * is recorded first; the stage advances when the last part is in, whichever order the
   * parts finish in (the record is a guarded update, so of two parts done at once exactly one sees
   * the other's; a redelivered part changes nothing, and the advance is guarded as ever). A stage
   * with a final part (a chunked render's join) publishes it when the other parts are all in.
   */
  async onStageDone(
    jobId: string,
    stage: string,
    timing?: StageTimingDoc,
    reusedInputs: string[] = [],
    part?: string,
  ): Promise<void> {
    if (!isStageName(stage)) return;
    let doc = await this.deps.jobs.findOne({ _id: jobId });
    if (!doc || !ACTIVE_STATUSES.includes(doc.status)) return;
    const idx = stageIndex(stage);
    const next = nextStage(stage, doc.config.mode);
    if (part && partsOf(doc, stage).includes(part)) {
      const record: PartDoc = {
        done: true,
        fraction: 1,
        timing: timing ?? null,
        reused: reusedInputs.includes(part),
      };
      // The last part to land records itself and advances the stage in one update (one state
      // change, not two). Not the last, or recorded before (a redelivery after a crash), or beaten
      // by the other part: step by step, record, then advance once every part is in.
      if (next && othersDone(doc, stage, part)) {
        const at = `stage_parts.${stage}.${part}`;
        const cost = partsCost({ ...doc.stage_parts?.[stage], [part]: record }, planOf(doc, stage));
        if (await this.advance(doc, stage, next, cost, { [`${at}.done`]: { $ne: true } }, { [at]: record }))
          return;
      }
      doc = await this.recordPart(doc, stage, part, record);
      const final = doc && finalDue(doc, stage);
      if (doc && final) await this.publishFinal(doc, stage, final);
      if (!doc || !partsDone(doc, stage)) return;
    }
    if (partsDone(doc, stage))
      ({ timing, reused: reusedInputs } = partsCost(doc.stage_parts?.[stage] ?? {}, planOf(doc, stage)));
    if (next) {
      await this.advance(doc, stage, next, { timing, reused: reusedInputs });
      return;
    }

    const now = this.deps.now();
    const guard = { _id: jobId, status: { $in: ACTIVE_STATUSES }, done_index: { $lt: idx } };
    const cost = costFields(stage, timing, reusedInputs);
    const started = doc.started_at ?? doc.created_at;
    const completed = await this.deps.journal.update(guard, {
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
        ...(await this.deps.results.ofCompleted(doc)),
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
    const now = this.deps.now();
    const advanced = await this.deps.journal.update(
      { _id: doc._id, status: { $in: ACTIVE_STATUSES }, done_index: { $lt: idx }, ...guard },
      {
        $set: {
          ...set,
          ...costFields(stage, cost.timing, cost.reused),
          ...(stage === "style_extraction" ? { style_json: await this.deps.results.style(doc._id) } : {}),
          ...(next === "rendering" ? { render_chunks: await this.renderChunks(doc) } : {}),
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
   * The chunks the job's render is split into: its edit's length (the style-applier's edit
   * summary) over the configured chunk size; 1 when chunking is off or the edit is unknown.
   */
  private async renderChunks(doc: JobDoc): Promise<number> {
    if (!(this.deps.renderChunkSeconds > 0)) return 1;
    const edit = await this.deps.results.edit(doc._id);
    return renderChunkCount(edit?.duration_seconds ?? 0, this.deps.renderChunkSeconds);
  }

  /**
   * Every part of the stage but its final one is in: the final part's task goes out through the
   * outbox, as a stage's first tasks do (the sweep publishes it after a crash in between), once:
   * the update marks the final part queued, so a redelivered part's done does not queue it again.
   */
  private async publishFinal(doc: JobDoc, stage: StageName, final: string): Promise<void> {
    const at = `stage_parts.${stage}.${final}`;
    const due = await this.deps.journal.update(
      {
        _id: doc._id,
        status: { $in: ACTIVE_STATUSES },
        done_index: { $lt: stageIndex(stage) },
        [`${at}.queued`]: { $ne: true },
      },
      { $set: { [`${at}.queued`]: true, outbox: stage, updated_at: this.deps.now() } },
    );
    if (due) await this.dispatch(due);
  }

  /**
   * Marks one part of the job's running stage done (with its cost), and raises the percent to the
   * parts' combined fraction. Returns the job after it, or as it is when the part was recorded
   * before (a redelivery, or a crash before the advance): the caller then advances if it is the last.
   */
  private async recordPart(
    doc: JobDoc,
    stage: StageName,
    part: string,
    record: PartDoc,
  ): Promise<JobDoc | null> {
    const now = this.deps.now();
    const at = `stage_parts.${stage}.${part}`;
    const recorded = await this.deps.journal.update(
      {
        _id: doc._id,
        status: { $in: ACTIVE_STATUSES },
        done_index: { $lt: stageIndex(stage) },
        [`${at}.done`]: { $ne: true },
      },
      {
        $set: {
          [at]: record,
          status: "processing",
          started_at: doc.started_at ?? now,
          current_stage: stage,
          updated_at: now,
        },
        $max: { progress_percent: stagePercent(stage, stageFraction(doc, stage, part, 1)) },
      },
    );
    return recorded ?? (await this.deps.jobs.findOne({ _id: doc._id }));
  }

  /**
   * A worker gave up on a stage. Only the job's running stage can fail it: a stale duplicate task
   * of a stage already done (redelivered, or re-published by a sweep) reporting failure late is
   * ignored, so it cannot fail a job that has moved on.
   */
  async onStageFailed(jobId: string, stage: string, message: string, part?: string): Promise<void> {
    if (!isStageName(stage)) return;
    const now = this.deps.now();
    // a part already done cannot fail either (a stale duplicate of it)
    const partGuard = part ? { [`stage_parts.${stage}.${part}.done`]: { $ne: true } } : {};
    const failed = await this.deps.journal.update(
      { _id: jobId, status: { $in: ACTIVE_STATUSES }, done_index: stageIndex(stage) - 1, ...partGuard },
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
      if (part) await publish(this.deps.broker, routes.jobCancelled, { jobId });
      await this.announceTerminal(failed);
    }
  }

  /**
   * Publishes the stage in the job's outbox (each part not yet done, for a stage run in parts),
   * then clears it (only if it still names that stage). A failed publish is logged and left to
   * sweepOutbox.
   */
  async dispatch(doc: JobDoc): Promise<void> {
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
    const before = new Date(this.deps.now().getTime() - graceMs);
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
    for (const part of pendingParts(doc, stage)) await this.publishTask(doc, stage, part);
  }

  private publishTask(doc: JobDoc, stage: StageName, part?: string): Promise<void> {
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
      ...(part ? { "clipzy.part": part } : {}),
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
          part,
        }),
    );
  }

  /** Called once per job, by the transition that won the guarded update into a terminal status. */
  announceTerminal(doc: JobDoc): Promise<void> {
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

/** The fields a done stage records: what it cost, and which inputs' analyses it reused. */
function costFields(stage: StageName, timing: StageTimingDoc | undefined, reused: readonly string[]) {
  return {
    ...(timing ? { [`stage_timings.${stage}`]: timing } : {}),
    ...(reused.length ? { [`analysis_reused.${stage}`]: reused } : {}),
  };
}
