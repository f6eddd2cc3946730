import { EventSourceParserStream } from "eventsource-parser/stream";
import { type ClipzyClient, isTerminalStatus, type JobResponse } from "./client.js";

export interface JobEvent {
  /** The event's sequence number in the job's log (what `Last-Event-ID` resumes after). */
  id: number;
  /** `progress`, or the terminal status. */
  type: string;
  job: JobResponse;
}

export interface FollowOptions {
  /** Resume after this event (a previous run's last id); default from the start. */
  lastEventId?: number;
  signal?: AbortSignal;
  /** Reconnection attempts in a row before giving up (each waits `retryMs`); default 10. */
  retries?: number;
  retryMs?: number;
}

/**
 * Follows GET /jobs/{id}/events until the terminal event. A dropped connection (network, engine
 * restart) is reopened with `Last-Event-ID`, so no event is missed or repeated. An error answer
 * (404, 401, …) is thrown as ApiError at once; 5xx and network errors are retried.
 */
export async function* followJobEvents(
  client: ClipzyClient,
  jobId: string,
  options: FollowOptions = {},
): AsyncGenerator<JobEvent> {
  let last = options.lastEventId ?? 0;
  const retries = options.retries ?? 10;
  const retryMs = options.retryMs ?? 1000;
  let failures = 0;
  for (;;) {
    let res: Response | undefined;
    try {
      res = await client.fetch(`/jobs/${encodeURIComponent(jobId)}/events`, {
        headers: { accept: "text/event-stream", ...(last > 0 ? { "last-event-id": String(last) } : {}) },
        signal: options.signal,
      });
      const events = res
        .body!.pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      for (;;) {
        const { value: e, done } = await events.read();
        if (done) break;
        failures = 0;
        const event: JobEvent = { id: Number(e.id), type: e.event ?? "message", job: JSON.parse(e.data) };
        last = event.id;
        yield event;
        if (isTerminalStatus(event.job.status)) return;
      }
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (options.signal?.aborted || (status !== undefined && status > 0 && status < 500)) throw err;
      if (++failures > retries) throw err;
    }
    // The stream ended before the terminal event, or failed: reopen after the last event seen.
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
