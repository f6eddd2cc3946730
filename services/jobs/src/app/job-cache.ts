import { isTerminal } from "@clipzy/contracts";
import { LRUCache } from "lru-cache";
import type { JobDoc } from "../domain/job.js";

/**
 * A read-through cache of job documents for the API's reads (never for the state machine, whose
 * guards are conditions of the store's own updates).
 *
 * This service owns every job write, so its writes keep the cache exact in one instance: each
 * write puts the new document in (a newer version never loses to an older one). With several
 * jobs instances a write made by another instance arrives as a change broadcast (`forget`), so
 * a read can be behind by that broadcast's delivery time (milliseconds); a live job's entry also
 * expires after `liveTtlMs`, which bounds the staleness if a broadcast is ever lost. A terminal
 * job never changes again, so its entry is exact in any number of instances and does not expire.
 */
export class JobCache {
  private readonly docs: LRUCache<string, JobDoc>;

  constructor(
    max = 10_000,
    private readonly liveTtlMs = 2_000,
  ) {
    this.docs = new LRUCache({ max });
  }

  get(jobId: string): JobDoc | undefined {
    return this.docs.get(jobId);
  }

  /** Stores `doc` unless a newer version is already cached. */
  put(doc: JobDoc): void {
    const cached = this.docs.get(doc._id);
    if (cached && cached.version >= doc.version) return;
    this.docs.set(doc._id, doc, { ttl: isTerminal(doc.status) ? 0 : this.liveTtlMs });
  }

  /** Another instance wrote `version` of the job: drop an older cached copy. */
  forget(jobId: string, version: number): void {
    const cached = this.docs.get(jobId);
    if (cached && cached.version < version) this.docs.delete(jobId);
  }
}
