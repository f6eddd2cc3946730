import type { Broker } from "@clipzy/platform/broker";
import type { Collection } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import type { IdempotencyDoc, JobDoc, JobEventDoc } from "../domain/job.js";
import {
  type CreateJobInput,
  IDEMPOTENCY_TTL_SECONDS,
  JobCommands,
  type VideoDirectory,
} from "./commands.js";
import { JobEventLog } from "./event-log.js";
import { JobCache } from "./job-cache.js";
import { Orchestrator } from "./orchestrator.js";
import { JobResults } from "./results.js";

export type { CreateJobInput, VideoDirectory, VideoInfo } from "./commands.js";
export type { JobPage } from "./event-log.js";

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
  /** Output seconds per render chunk (RENDER_CHUNK_SECONDS, jobsEnv); 0 renders every job in one task. */
  renderChunkSeconds?: number;
}

/**
 * The jobs service's use-cases, one object for its transports, made of four parts by
 * responsibility: the commands (create, cancel: commands.ts), the orchestrator (stage progress,
 * done and failed, the outbox and its sweep: orchestrator.ts), the event log with the reads and
 * the one guarded write every state change goes through (event-log.ts), and the results read from
 * the stages' artifacts (results.ts).
 */
export class JobsService {
  private readonly journal: JobEventLog;
  private readonly orchestrator: Orchestrator;
  private readonly commands: JobCommands;

  constructor(private readonly deps: JobsDeps) {
    const now = deps.now ?? (() => new Date());
    this.journal = new JobEventLog({ ...deps, cache: deps.cache ?? new JobCache() });
    const results = new JobResults(deps.store);
    this.orchestrator = new Orchestrator({
      ...deps,
      journal: this.journal,
      results,
      now,
      renderChunkSeconds: deps.renderChunkSeconds ?? 0,
    });
    this.commands = new JobCommands({ ...deps, journal: this.journal, orchestrator: this.orchestrator, now });
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

  /** Names this instance in its change broadcasts. */
  get instanceId(): string {
    return this.journal.instanceId;
  }

  // commands
  create = (input: CreateJobInput) => this.commands.create(input);
  cancel = (tenantId: string, jobId: string) => this.commands.cancel(tenantId, jobId);

  // reads and the event log
  get = (tenantId: string, jobId: string) => this.journal.get(tenantId, jobId);
  list = (tenantId: string, page: number, pageSize: number, status?: string) =>
    this.journal.list(tenantId, page, pageSize, status);
  countActive = (tenantId: string, videoId: string) => this.journal.countActive(tenantId, videoId);
  watch = (tenantId: string, jobId: string, afterSeq: number, hangUp: AbortSignal) =>
    this.journal.watch(tenantId, jobId, afterSeq, hangUp);
  onJobChanged = (jobId: string, seq: number, origin: string) =>
    this.journal.onJobChanged(jobId, seq, origin);
  close = () => this.journal.close();

  // the orchestrator
  onStageProgress = (jobId: string, stage: string, fraction: number, input?: string) =>
    this.orchestrator.onStageProgress(jobId, stage, fraction, input);
  onStageDone = (...args: Parameters<Orchestrator["onStageDone"]>) => this.orchestrator.onStageDone(...args);
  onStageFailed = (jobId: string, stage: string, message: string, input?: string) =>
    this.orchestrator.onStageFailed(jobId, stage, message, input);
  sweepOutbox = (graceMs: number) => this.orchestrator.sweepOutbox(graceMs);
  resumeActiveJobs = () => this.orchestrator.resumeActiveJobs();
}
