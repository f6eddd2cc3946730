import { followJobEvents, isTerminalStatus, type JobResponse } from "@clipzy/client";
import { useEffect, useState } from "preact/hooks";
import { client, messageOf } from "./api.js";

/** A job kept up to date from its event stream (SSE, resumed with Last-Event-ID) until it ends. */
export function useLiveJob(initial: JobResponse | undefined, jobId: string) {
  const [job, setJob] = useState<JobResponse | undefined>(initial);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (initial && isTerminalStatus(initial.status)) return;
    const stop = new AbortController();
    (async () => {
      try {
        for await (const e of followJobEvents(client, jobId, { signal: stop.signal })) setJob(e.job);
      } catch (err) {
        if (!stop.signal.aborted) setError(messageOf(err));
      }
    })();
    return () => stop.abort();
  }, [jobId]);
  return { job, error };
}
