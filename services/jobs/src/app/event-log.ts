import { randomUUID } from "node:crypto";
import { AppError, isTerminal, routes } from "@clipzy/contracts";
import type { Broker } from "@clipzy/platform/broker";
import type { Collection, Filter, Update } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { publish } from "@clipzy/platform/messaging";
import { ACTIVE_STATUSES, type JobDoc, type JobEventDoc } from "../domain/job.js";
import type { JobCache } from "./job-cache.js";

export interface JobPage {
  jobs: JobDoc[];
  total: number;
}

export interface EventLogDeps {
  jobs: Collection<JobDoc>;
  events: Collection<JobEventDoc>;
  broker: Broker;
  log: Logger;
  cache: JobCache;
}

/** How often an open event stream re-reads the log even without a change notice. */
const RESYNC_MS = 30_000;
/** Events read from the log at a time. */
const LOG_PAGE = 500;

/**
 * The jobs as stored and their event log. Every state change goes through `update`: one
 * conditional update whose filter is the guard, and, when it applied, the new state recorded in
 * the log, the read cache and a change broadcast; `watch` streams the log. Reads (get, list,
 * countActive) go through the same cache.
 */
export class JobEventLog {
  private readonly cache: JobCache;
  /** Open event streams, by job: each is woken when the job's log may have grown. */
  private readonly watchers = new Map<string, Set<(event?: JobEventDoc) => void>>();
  /** Log reads in flight, by job and position: streams at the same place share one query. */
  private readonly logReads = new Map<string, Promise<JobEventDoc[]>>();
  /** Names this instance in its change broadcasts. */
  readonly instanceId = randomUUID();
  /** Aborted by close(): open streams end, so the gRPC server can shut down. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: EventLogDeps) {
    this.cache = deps.cache;
  }

  /** The job as this instance last saw it, if it is in the read cache. */
  cached(jobId: string): JobDoc | undefined {
    return this.cache.get(jobId);
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

  async countActive(tenantId: string, videoId: string): Promise<number> {
    return this.deps.jobs.count({
      tenant_id: tenantId,
      status: { $in: ACTIVE_STATUSES },
      $or: [{ video_id: videoId }, { template_video_id: videoId }],
    });
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
  async update(filter: Filter, update: Update): Promise<JobDoc | null> {
    const doc = await this.deps.jobs.updateOne(filter, { ...update, $inc: { ...update.$inc, version: 1 } });
    if (doc) await this.record(doc);
    return doc;
  }

  async record(doc: JobDoc): Promise<void> {
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
}
