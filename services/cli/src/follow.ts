import { createInterface } from "node:readline/promises";
import { type ClipzyClient, followJobEvents, type JobResponse, unwrap } from "@clipzy/client";
import { CliError, EXIT } from "./errors.js";
import type { Progress } from "./progress.js";

export interface FollowOptions {
  progress: Progress;
  /** Ctrl-C cancels the job (after asking, when interactive); otherwise it only stops following. */
  cancelOnInterrupt: boolean;
  interactive: boolean;
  /** Told each state of the job as its events arrive. */
  onJob?: (job: JobResponse) => void;
}

/** Asks on the terminal; a second Ctrl-C at the question counts as yes. */
async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.on("SIGINT", () => resolve("y"));
      rl.question(question).then(resolve, () => resolve("y"));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * Follows a job's events (SSE, resumed with Last-Event-ID after a dropped connection) until it
 * ends, drawing per-stage progress. Returns the completed job; a failed or cancelled job throws
 * with its own exit code.
 */
export async function followJob(client: ClipzyClient, jobId: string, o: FollowOptions): Promise<JobResponse> {
  const stop = new AbortController();
  const bar = o.progress.job();
  let asking = false;
  let interrupted: CliError | undefined;
  // Set while Ctrl-C is being handled: the stream may end (with `cancelled`) before the cancel call returns.
  let handling: Promise<void> | undefined;
  const handle = async () => {
    if (!o.cancelOnInterrupt) {
      interrupted = new CliError(
        `stopped following ${jobId}; it goes on (clipzy jobs watch ${jobId})`,
        EXIT.interrupted,
      );
      stop.abort();
      return;
    }
    bar.stop();
    asking = o.interactive;
    const yes = o.interactive ? await ask(`\nCancel job ${jobId}? [y/N] `) : true;
    asking = false;
    if (!yes) return;
    try {
      await unwrap(client.api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }));
      interrupted = new CliError(`cancelled job ${jobId}`, EXIT.interrupted);
    } catch (err) {
      interrupted = new CliError(`could not cancel ${jobId}: ${(err as Error).message}`, EXIT.interrupted);
    }
    stop.abort();
  };
  const onSigint = () => {
    if (asking) return;
    handling = handle().finally(() => {
      handling = undefined;
    });
  };
  process.on("SIGINT", onSigint);
  let last: JobResponse | undefined;
  try {
    for await (const e of followJobEvents(client, jobId, { signal: stop.signal })) {
      last = e.job;
      o.onJob?.(e.job);
      if (!asking) bar.update(e.job);
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    await handling;
    process.off("SIGINT", onSigint);
    bar.stop();
  }
  if (interrupted) throw interrupted;
  if (!last) throw new CliError(`job ${jobId} sent no events`);
  bar.done(last);
  if (last.status === "failed") {
    const why = last.error ? `at ${last.error.stage}: ${last.error.message}` : "";
    throw new CliError(`job ${jobId} failed ${why}`.trim(), EXIT.jobFailed);
  }
  if (last.status === "cancelled") throw new CliError(`job ${jobId} was cancelled`, EXIT.jobCancelled);
  o.progress.note(`job ${jobId} completed${last.completed_at ? ` at ${last.completed_at}` : ""}`);
  return last;
}
