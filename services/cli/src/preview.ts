import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type ClipzyClient, fetchPreview, type JobResponse, previewMayExist } from "@clipzy/client";
import { CliError } from "./errors.js";
import { bytes } from "./format.js";
import { saveBody } from "./media.js";
import type { Progress } from "./progress.js";

/** `clipzy jobs preview JOB --out FILE`: the job's last proxy now, or the engine's sentence why there is none. */
export async function downloadPreview(client: ClipzyClient, jobId: string, out: string): Promise<number> {
  const got = await fetchPreview(client, jobId);
  if (!got.response) throw new CliError(`no preview: ${got.whyNot}`);
  return saveBody(got.response, out);
}

export interface PreviewSaver {
  /** Tells the saver the job's latest state (from its events): it asks for the preview from style_application on. */
  seen(job: JobResponse): void;
  /** Stops asking (the job ended, or the command stopped). */
  stop(): Promise<void>;
  /**
   * Once the job completed: saves the last proxy (a later round may have replaced the one saved
   * early) and returns its size, or throws with the engine's sentence when the job has none.
   */
  finish(): Promise<{ bytes: number; early: boolean }>;
}

/**
 * `clipzy run --preview FILE`: while the job runs, asks every `intervalMs` once a preview may
 * exist and saves the first one as soon as it does; the job goes on meanwhile.
 */
export function previewSaver(
  client: ClipzyClient,
  jobId: string,
  out: string,
  o: { progress: Progress; intervalMs?: number },
): PreviewSaver {
  const stopping = new AbortController();
  let latest: JobResponse | undefined;
  let early = false;
  const ask = async () => {
    while (!stopping.signal.aborted) {
      if (latest && previewMayExist(latest)) {
        // errors here are retried; finish() reports the answer that counts
        const got = await fetchPreview(client, jobId, { signal: stopping.signal }).catch(() => null);
        if (got?.response) {
          const size = await saveBody(got.response, out).catch(() => null);
          if (size !== null) {
            early = true;
            o.progress.note(`preview: ${out} (${bytes(size)}) while the job runs; the final encode goes on`);
            return;
          }
        }
      }
      await sleep(o.intervalMs ?? 1000, undefined, { signal: stopping.signal }).catch(() => {});
    }
  };
  const asking = ask();
  const stop = async () => {
    stopping.abort();
    await asking;
  };
  return {
    seen(job) {
      latest = job;
    },
    stop,
    async finish() {
      await stop();
      const got = await fetchPreview(client, jobId);
      if (got.response) return { bytes: await saveBody(got.response, out), early };
      if (early) return { bytes: (await stat(out)).size, early };
      throw new CliError(`no preview: ${got.whyNot}`);
    },
  };
}
