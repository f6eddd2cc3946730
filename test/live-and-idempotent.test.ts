import { join } from "node:path";
import { STAGE_NAMES } from "@clipzy/contracts";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { expectError } from "./support/shapes.js";

/** Reads an SSE stream to its end (or until `stopAfter` events), returning the events. */
async function readEvents(
  url: string,
  headers: Record<string, string> = {},
  stopAfter = Number.POSITIVE_INFINITY,
) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (events.length >= stopAfter) {
        ac.abort();
        break;
      }
    }
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
  }
  return events;
}

describe("live events, ETA and idempotency", () => {
  let engine: TestEngine;
  let dir = "";
  let videoId = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    dir = await fixtureDir(engine.dataDir);
    videoId = (await engine.upload(await makeClip(join(dir, "a.mp4"), { seconds: 4 }))).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  it("SSE from the start of a job shows monotonic progress ending in the terminal event, and resumes with Last-Event-ID", async () => {
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId }))).body.data;
    const url = `http://127.0.0.1:${engine.port}/api/v1/jobs/${job.job_id}/events`;
    const events = await readEvents(url);
    const data = events.map((e) => JSON.parse(e.data));
    expect(data[0]).toMatchObject({ status: "queued", progress_percent: 0 });
    const last = events.at(-1)!;
    expect(last.event).toBe("completed");
    expect(JSON.parse(last.data)).toMatchObject({ status: "completed", progress_percent: 100 });
    for (let i = 1; i < data.length; i++) {
      expect(data[i].progress_percent).toBeGreaterThanOrEqual(data[i - 1].progress_percent);
      expect(Number(events[i].id)).toBe(Number(events[i - 1].id) + 1);
    }
    expect(new Set(data.map((d) => d.current_stage).filter(Boolean)).size).toBe(6);
    // while processing, an ETA is given once there is progress to measure it by
    expect(data.some((d) => d.status === "processing" && typeof d.eta_seconds === "number")).toBe(true);
    expect(data.filter((d) => d.status !== "processing").every((d) => d.eta_seconds === null)).toBe(true);
    // each finished stage adds its timing; the terminal event has all six, in stage order
    for (let i = 1; i < data.length; i++)
      expect(data[i].stage_timings.length).toBeGreaterThanOrEqual(data[i - 1].stage_timings.length);
    const timings = data.at(-1).stage_timings;
    expect(timings.map((t: any) => t.stage)).toEqual(STAGE_NAMES);
    const byStage = Object.fromEntries(timings.map((t: any) => [t.stage, t]));
    for (const t of timings) {
      expect(t.wall_seconds).toBeGreaterThan(0);
      expect(t.queue_wait_seconds).toBeGreaterThanOrEqual(0);
      expect(t.ffmpeg_seconds).toBeLessThanOrEqual(t.wall_seconds * 2); // runs may overlap, not exceed the stage by far
    }
    // the decoding stages and the render run ffmpeg, and its CPU time is measured
    for (const stage of ["video_analysis", "audio_analysis", "rendering"]) {
      expect(byStage[stage].ffmpeg_runs).toBeGreaterThanOrEqual(1);
      expect(byStage[stage].ffmpeg_seconds).toBeGreaterThan(0);
    }
    expect(byStage.rendering.ffmpeg_cpu_seconds).toBeGreaterThan(0);
    expect(byStage.style_extraction.ffmpeg_runs).toBe(0);
    expect((await engine.api(`/api/v1/jobs/${job.job_id}`)).body.data.stage_timings).toEqual(timings);

    const resumeFrom = Number(events[3].id);
    const resumed = await readEvents(url, { "last-event-id": String(resumeFrom) });
    expect(resumed.map((e) => e.id)).toEqual(events.slice(4).map((e) => e.id));
    expect(resumed.map((e) => e.data)).toEqual(events.slice(4).map((e) => e.data));
    // resuming after the terminal event: nothing more to send, and the stream ends
    const t0 = Date.now();
    expect(await readEvents(url, { "last-event-id": last.id! })).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("an unknown job's event stream is a 404, not a stream", async () => {
    expectError(await engine.api("/api/v1/jobs/job_doesnotexist00/events"), 404, "job_not_found");
  });

  it("the same Idempotency-Key and body return one job; another body is 409", async () => {
    const key = { "idempotency-key": "create-once-123" };
    const body = { video_id: videoId, config: { mode: "style_only" } };
    const [a, b] = await Promise.all([
      engine.api("/api/v1/jobs", json(body, key)),
      engine.api("/api/v1/jobs", json(body, key)),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.data.job_id).toBe(b.body.data.job_id);
    expect(
      [a.headers.get("idempotent-replayed"), b.headers.get("idempotent-replayed")].filter(Boolean),
    ).toEqual(["true"]);
    const later = await engine.api("/api/v1/jobs", json(body, key));
    expect(later.body.data.job_id).toBe(a.body.data.job_id);
    const conflict = await engine.api("/api/v1/jobs", json({ ...body, config: { mode: "full" } }, key));
    expectError(conflict, 409, "idempotency_conflict");
    const all = (await engine.api("/api/v1/jobs?page_size=100")).body.jobs.filter(
      (j: any) => j.job_id === a.body.data.job_id,
    );
    expect(all).toHaveLength(1);
    expectError(
      await engine.api("/api/v1/jobs", json(body, { "idempotency-key": "" })),
      400,
      "validation_error",
    );
  });

  it("an upload retried with the same Idempotency-Key stores one video", async () => {
    const file = await makeClip(join(dir, "b.mp4"), { seconds: 2 });
    const { openAsBlob } = await import("node:fs");
    const send = async (key: string, path = file) => {
      const form = new FormData();
      form.set("file", await openAsBlob(path), "b.mp4");
      return engine.api("/api/v1/videos/upload", {
        method: "POST",
        body: form,
        headers: { "idempotency-key": key },
      });
    };
    const first = await send("upload-1");
    const again = await send("upload-1");
    expect(first.status).toBe(200);
    expect(again.body.data.video_id).toBe(first.body.data.video_id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await makeClip(join(dir, "c.mp4"), {
      seconds: 2,
      source: "mandelbrot=size=320x180:rate=25",
    });
    expectError(await send("upload-1", other), 409, "idempotency_conflict");
    const videos = (await engine.api("/api/v1/videos?page_size=100")).body.videos.map((v: any) => v.video_id);
    expect(videos.filter((v: string) => v === first.body.data.video_id)).toHaveLength(1);
    expect(videos).toHaveLength(2);
  });
});
