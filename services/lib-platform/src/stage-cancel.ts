/**
 * The running tasks of one worker by job, and the jobs it heard were cancelled: a cancel aborts
 * the job's running tasks (a job has two here when both parts of an analysis stage came to this
 * worker) and drops its later deliveries. The cancelled jobs remembered are bounded (oldest
 * forgotten first): a task for a job cancelled long ago is dropped by the jobs service instead.
 */
export class CancelRegistry {
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly memory = 1000) {}

  /** The job was cancelled: abort its running tasks, and remember it. */
  cancel(jobId: string): void {
    this.cancelled.add(jobId);
    if (this.cancelled.size > this.memory) this.cancelled.delete(this.cancelled.values().next().value!);
    for (const ac of this.running.get(jobId) ?? []) ac.abort(new Error("job cancelled"));
  }

  isCancelled(jobId: string): boolean {
    return this.cancelled.has(jobId);
  }

  /** A task of the job starts: its controller, until `done` is called. */
  start(jobId: string): { controller: AbortController; done(): void } {
    const controller = new AbortController();
    const mine = this.running.get(jobId) ?? new Set();
    this.running.set(jobId, mine.add(controller));
    return {
      controller,
      done: () => {
        mine.delete(controller);
        if (mine.size === 0) this.running.delete(jobId);
      },
    };
  }

  /** Aborts every running task with `reason` (a worker that stops releases them). */
  abortAll(reason: unknown): void {
    for (const set of this.running.values()) for (const ac of set) ac.abort(reason);
  }

  /** Tasks running now. */
  get size(): number {
    let n = 0;
    for (const set of this.running.values()) n += set.size;
    return n;
  }
}
