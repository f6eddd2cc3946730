import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { queues, renderChunkPart, renderJoinPart, routes, storageKeys } from "@clipzy/contracts";
import { MemoryBroker } from "@clipzy/platform/broker";
import { NedbDocStore } from "@clipzy/platform/docstore";
import type { CallContext } from "@clipzy/platform/grpc";
import { createLogger } from "@clipzy/platform/log";
import { consumeRoutes, decode, on } from "@clipzy/platform/messaging";
import { FsObjectStore } from "@clipzy/platform/objectstore";
import { GetJobRequestSchema } from "@clipzy/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import type { JobDoc, JobEventDoc } from "../domain/job.js";
import { jobsGrpc } from "../transport/grpc.js";
import { type JobsDeps, JobsService, type VideoInfo } from "./jobs.js";

const video: VideoInfo = {
  video_id: "vid_aaaaaaaaaaaa",
  storage_key: "videos/vid_aaaaaaaaaaaa/a.mp4",
  duration_seconds: 3,
  frame_rate: 25,
  width: 320,
  height: 180,
  has_audio: true,
  webhook_url: null,
  template_video_id: null,
};

/** A jobs service over an in-memory broker, an in-memory document store and a filesystem store in `dir`. */
async function testService(dir: string, over: Partial<JobsDeps> = {}) {
  const broker = new MemoryBroker();
  const docs = new NedbDocStore();
  const store = new FsObjectStore({ root: dir });
  const jobs = new JobsService({
    jobs: docs.collection<JobDoc>("jobs"),
    events: docs.collection("job_events"),
    idempotency: docs.collection("idempotency_keys"),
    videos: { find: async (_t, id) => (id === video.video_id ? video : null) },
    broker,
    store,
    log: createLogger("test", "silent"),
    ...over,
  });
  await jobs.init();
  return { broker, docs, store, jobs };
}

describe("JobsService orchestration against duplicated and reordered events", () => {
  let dir: string;
  let broker: MemoryBroker;
  let jobs: JobsService;
  let docs: NedbDocStore;
  const tasks: string[] = [];
  const terminal: string[] = [];

  beforeEach(async () => {
    tasks.length = 0;
    terminal.length = 0;
    dir = await mkdtemp(join(tmpdir(), "jobs-test-"));
    ({ broker, docs, jobs } = await testService(dir));
    for (const q of [
      queues.stage("video_analysis"),
      queues.stage("audio_analysis"),
      queues.stage("motion_analysis"),
    ]) {
      await consumeRoutes(broker, q, {
        [q.bindings[0]]: async (m) => {
          tasks.push(m.key);
        },
      });
    }
    await consumeRoutes(
      broker,
      queues.webhookEvents,
      on(routes.jobTerminal, async (m) => void terminal.push(m.status)),
    );
  });
  afterEach(async () => {
    await broker.close();
    await docs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers status reads of an unchanged job with one message, and a new one after a change", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    const grpc = jobsGrpc(jobs, new FsObjectStore({ root: dir }));
    const request = create(GetJobRequestSchema, { tenantId: "t", jobId: job._id, summary: true });
    const read = () => grpc.getJob(request, {} as CallContext); // the context is not used by reads
    const first = await read();
    expect(await read()).toBe(first); // built once; localClient then encodes it once
    await jobs.onStageProgress(job._id, "video_analysis", 0.5);
    const after = await read();
    expect(after).not.toBe(first);
    expect(after.job?.progressPercent).toBeGreaterThan(first.job?.progressPercent ?? 0);
    expect(after.job?.status).toBe("processing");
  });

  it("publishes the next stage once for a duplicated stage-done event", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await sleep(50);
    expect(tasks).toEqual(["stage.video_analysis"]);
    await jobs.onStageDone(job._id, "video_analysis");
    await jobs.onStageDone(job._id, "video_analysis");
    await sleep(50);
    expect(tasks).toEqual(["stage.video_analysis", "stage.audio_analysis"]);
    const doc = await jobs.get("t", job._id);
    expect(doc).toMatchObject({
      status: "processing",
      current_stage: "audio_analysis",
      progress_percent: 21,
      done_index: 0,
    });
  });

  it("ignores progress that arrives after its stage is done or would move backward", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await jobs.onStageProgress(job._id, "video_analysis", 0.5);
    expect((await jobs.get("t", job._id)).progress_percent).toBe(10);
    await jobs.onStageProgress(job._id, "video_analysis", 0.2);
    expect((await jobs.get("t", job._id)).progress_percent).toBe(10);
    await jobs.onStageDone(job._id, "video_analysis");
    await jobs.onStageProgress(job._id, "video_analysis", 0.9); // late, reordered
    const doc = await jobs.get("t", job._id);
    expect(doc).toMatchObject({ current_stage: "audio_analysis", progress_percent: 21 });
  });

  it("keeps a cancelled job cancelled whatever arrives later", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await jobs.cancel("t", job._id);
    await jobs.onStageProgress(job._id, "video_analysis", 0.5);
    await jobs.onStageDone(job._id, "video_analysis");
    await jobs.onStageFailed(job._id, "video_analysis", "boom");
    await sleep(50);
    expect(await jobs.get("t", job._id)).toMatchObject({
      status: "cancelled",
      current_stage: null,
      progress_percent: 0,
    });
    expect(terminal).toEqual(["cancelled"]);
    await expect(jobs.cancel("t", job._id)).rejects.toMatchObject({ code: "job_terminal" });
  });

  it("ignores a failure reported by a stale duplicate task of a stage already done", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await jobs.onStageDone(job._id, "video_analysis");
    await jobs.onStageFailed(job._id, "video_analysis", "a redelivered duplicate gave up");
    await jobs.onStageFailed(job._id, "motion_analysis", "not the running stage either");
    await sleep(50);
    expect(await jobs.get("t", job._id)).toMatchObject({
      status: "processing",
      current_stage: "audio_analysis",
    });
    expect(terminal).toEqual([]);
    await jobs.onStageFailed(job._id, "audio_analysis", "the running stage failed");
    expect(await jobs.get("t", job._id)).toMatchObject({
      status: "failed",
      error: { stage: "audio_analysis", message: "the running stage failed" },
    });
  });

  it("a task lost between the state change and its publish is published by the outbox sweep", async () => {
    // the publish of the stage task fails as if the process had died right after the insert
    const real = broker.publish.bind(broker);
    let lost = 0;
    broker.publish = async (key, body, headers) => {
      if (key.startsWith("stage.") && lost++ < 2) throw new Error("connection to the broker lost");
      return real(key, body, headers);
    };
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await sleep(50);
    expect(tasks).toEqual([]); // stranded: before the outbox this job waited for a restart
    expect(await jobs.sweepOutbox(60_000)).toBe(0); // not stalled yet
    await jobs.onStageDone(job._id, "video_analysis"); // the same for an advance
    await sleep(50);
    expect(tasks).toEqual([]);
    expect(await jobs.sweepOutbox(0)).toBe(1);
    await sleep(50);
    expect(tasks).toEqual(["stage.audio_analysis"]);
    expect(await jobs.sweepOutbox(0)).toBe(0); // published once
    // a first publish lost the same way
    lost = 1;
    const second = (await jobs.create({ tenantId: "t", videoId: video.video_id })).job;
    await sleep(5);
    expect(await jobs.sweepOutbox(0)).toBe(1);
    await sleep(50);
    expect(tasks).toEqual(["stage.audio_analysis", "stage.video_analysis"]);
    expect((await jobs.get("t", second._id)).status).toBe("queued");
  });

  it("fails a job once, with the stage and message", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await jobs.onStageFailed(job._id, "video_analysis", "no frames");
    await jobs.onStageFailed(job._id, "video_analysis", "no frames");
    await sleep(50);
    expect(await jobs.get("t", job._id)).toMatchObject({
      status: "failed",
      error: { stage: "video_analysis", message: "no frames" },
    });
    expect(terminal).toEqual(["failed"]);
  });

  it("logs every state change once, in order, for resumable listeners", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await jobs.onStageProgress(job._id, "video_analysis", 0.5);
    await jobs.onStageProgress(job._id, "video_analysis", 0.4); // no change, no event
    await jobs.onStageDone(job._id, "video_analysis");
    const all = await take(jobs.watch("t", job._id, 0, AbortSignal.timeout(5000)), 4);
    expect(all.map((e) => [e.seq, e.job.status, e.job.progress_percent])).toEqual([
      [1, "queued", 0],
      [2, "processing", 1],
      [3, "processing", 10],
      [4, "processing", 21],
    ]);
    expect((await take(jobs.watch("t", job._id, 2, AbortSignal.timeout(5000)), 2)).map((e) => e.seq)).toEqual(
      [3, 4],
    );
  });

  it("pushes each change to an open stream as it is recorded, and ends after the terminal one", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    const seen: number[] = [];
    const stream = (async () => {
      for await (const e of jobs.watch("t", job._id, 0, AbortSignal.timeout(5000))) seen.push(e.seq);
    })();
    await sleep(50);
    expect(seen).toEqual([1]); // the log so far, then it waits
    await jobs.onStageProgress(job._id, "video_analysis", 0.5);
    await sleep(50);
    expect(seen).toEqual([1, 2, 3]);
    await jobs.cancel("t", job._id);
    await stream; // ended by the terminal event, not by the timeout
    expect(seen).toEqual([1, 2, 3, 4]);
    // a client resuming past the terminal event gets an ended stream at once
    expect(await take(jobs.watch("t", job._id, 4, AbortSignal.timeout(5000)), 1)).toEqual([]);
    await expect(take(jobs.watch("u", job._id, 0, AbortSignal.timeout(5000)), 1)).rejects.toMatchObject({
      code: "job_not_found",
    });
  });

  it("many streams on one job: own changes are handed over without a read, a broadcast costs one shared read", async () => {
    const events = docs.collection<JobEventDoc>("job_events");
    let reads = 0;
    const counted: typeof events = Object.assign(Object.create(events), {
      find: (...a: Parameters<typeof events.find>) => {
        reads++;
        return events.find(...a);
      },
    });
    const watched = new JobsService({
      jobs: docs.collection<JobDoc>("jobs"),
      events: counted,
      idempotency: docs.collection("idempotency_keys"),
      videos: { find: async (_t, id) => (id === video.video_id ? video : null) },
      broker,
      store: new FsObjectStore({ root: dir }),
      log: createLogger("test", "silent"),
    });
    const { job } = await watched.create({ tenantId: "t", videoId: video.video_id });
    const seen = Array.from({ length: 20 }, () => [] as number[]);
    const streams = seen.map(async (into) => {
      for await (const e of watched.watch("t", job._id, 0, AbortSignal.timeout(5000))) into.push(e.seq);
    });
    await sleep(50);
    expect(reads).toBe(1); // the 20 first reads were one query
    await watched.onStageProgress(job._id, "video_analysis", 0.5); // recorded here: handed over
    await sleep(50);
    expect(reads).toBe(1);
    await jobs.cancel("t", job._id); // another instance's write: only its broadcast tells
    watched.onJobChanged(job._id, 4, jobs.instanceId);
    await Promise.all(streams);
    expect(reads).toBe(2);
    for (const s of seen) expect(s).toEqual([1, 2, 3, 4]);
  });

  it("with two instances, a change written by one reaches the other's cache and streams", async () => {
    const other = new JobsService({
      jobs: docs.collection<JobDoc>("jobs"),
      events: docs.collection("job_events"),
      idempotency: docs.collection("idempotency_keys"),
      videos: { find: async () => null },
      broker,
      store: new FsObjectStore({ root: dir }),
      log: createLogger("test", "silent"),
    });
    const subs = await Promise.all(
      [jobs, other].map((s) =>
        broker.subscribe(routes.jobChanged.key, async (raw) => {
          const m = decode(routes.jobChanged, raw);
          s.onJobChanged(m.jobId, Number(m.seq), m.origin);
        }),
      ),
    );
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    expect((await other.get("t", job._id)).status).toBe("queued"); // now cached by `other`
    const seen: string[] = [];
    const stream = (async () => {
      for await (const e of other.watch("t", job._id, 1, AbortSignal.timeout(5000))) seen.push(e.job.status);
    })();
    await sleep(50); // the stream has read the log and now waits for a change notice
    await jobs.cancel("t", job._id); // written by the first instance: only its broadcast wakes `other`
    await stream;
    expect(seen).toEqual(["cancelled"]);
    // the broadcast has dropped `other`'s stale copy
    expect((await other.get("t", job._id)).status).toBe("cancelled");
    for (const sub of subs) await sub.cancel();
  });

  it("returns the same job for a repeated idempotency key and refuses another body", async () => {
    const input = { tenantId: "t", videoId: video.video_id, idempotencyKey: "k1", requestHash: "h1" };
    const [a, b] = await Promise.all([jobs.create(input), jobs.create(input)]);
    expect(a.job._id).toBe(b.job._id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect((await jobs.list("t", 1, 10)).total).toBe(1);
    await expect(jobs.create({ ...input, requestHash: "h2" })).rejects.toMatchObject({
      code: "idempotency_conflict",
    });
    // keys are per tenant
    const other = await jobs.create({ ...input, tenantId: "u" });
    expect(other.replayed).toBe(false);
    expect(other.job._id).not.toBe(a.job._id);
  });

  it("rejects unknown videos and templates, and template plus style together", async () => {
    await expect(jobs.create({ tenantId: "t", videoId: "vid_nope" })).rejects.toMatchObject({
      code: "video_not_found",
    });
    await expect(
      jobs.create({ tenantId: "t", videoId: video.video_id, templateVideoId: "vid_nope" }),
    ).rejects.toMatchObject({
      code: "template_not_found",
    });
    await expect(
      jobs.create({
        tenantId: "t",
        videoId: video.video_id,
        templateVideoId: video.video_id,
        styleJson: "{}",
      }),
    ).rejects.toMatchObject({ code: "validation_error" });
  });
});

describe("a templated job's analysis stages run as one task per input", () => {
  const template: VideoInfo = { ...video, video_id: "vid_tttttttttttt", duration_seconds: 9 };
  let dir: string;
  let broker: MemoryBroker;
  let jobs: JobsService;
  let docs: NedbDocStore;
  /** Published tasks as `stage:input`. */
  const tasks: string[] = [];
  const terminal: string[] = [];
  const cancelled: string[] = [];

  beforeEach(async () => {
    tasks.length = 0;
    terminal.length = 0;
    cancelled.length = 0;
    dir = await mkdtemp(join(tmpdir(), "jobs-parts-test-"));
    broker = new MemoryBroker();
    docs = new NedbDocStore();
    jobs = new JobsService({
      jobs: docs.collection<JobDoc>("jobs"),
      events: docs.collection("job_events"),
      idempotency: docs.collection("idempotency_keys"),
      videos: { find: async (_t, id) => [video, template].find((v) => v.video_id === id) ?? null },
      broker,
      store: new FsObjectStore({ root: dir }),
      log: createLogger("test", "silent"),
    });
    await jobs.init();
    for (const stage of ["video_analysis", "audio_analysis", "motion_analysis"] as const) {
      await consumeRoutes(
        broker,
        queues.stage(stage),
        on(routes.stageTask(stage), async (m) => void tasks.push(`${m.stage}:${m.part ?? "whole"}`)),
      );
    }
    await consumeRoutes(
      broker,
      queues.webhookEvents,
      on(routes.jobTerminal, async (m) => void terminal.push(m.status)),
    );
    await broker.subscribe(routes.jobCancelled.key, async (raw) => {
      cancelled.push(decode(routes.jobCancelled, raw).jobId);
    });
  });
  afterEach(async () => {
    await broker.close();
    await docs.close();
    await rm(dir, { recursive: true, force: true });
  });

  const create = async () =>
    (await jobs.create({ tenantId: "t", videoId: video.video_id, templateVideoId: template.video_id })).job;
  const timing = (queued: number, wall: number) => ({
    wall_seconds: wall,
    queue_wait_seconds: queued,
    ffmpeg_runs: 1,
    ffmpeg_seconds: wall / 2,
    ffmpeg_cpu_seconds: wall,
    worker_cpu_seconds: 0.5,
  });
  const stored = async (id: string) => (await docs.collection<JobDoc>("jobs").findOne({ _id: id }))!;

  it("publishes both parts; the stage advances once, when the last part is done, in either order", async () => {
    for (const order of [
      ["source", "template"],
      ["template", "source"],
    ]) {
      tasks.length = 0;
      const job = await create();
      await sleep(50);
      expect(tasks).toEqual(["video_analysis:source", "video_analysis:template"]);
      await jobs.onStageDone(job._id, "video_analysis", timing(0.1, 2), [], order[0]);
      await sleep(50);
      expect(tasks).toHaveLength(2); // one part is not the stage
      const before = await stored(job._id);
      expect(before).toMatchObject({ current_stage: "video_analysis", done_index: -1 });
      await jobs.onStageDone(job._id, "video_analysis", timing(0.2, 5), ["template"], order[1]);
      await sleep(50);
      expect(tasks.slice(2)).toEqual(["audio_analysis:source", "audio_analysis:template"]);
      const doc = await stored(job._id);
      expect(doc).toMatchObject({ current_stage: "audio_analysis", done_index: 0, progress_percent: 21 });
      // the last part is recorded by the update that advances the stage: one state change
      expect(doc.version).toBe(before.version + 1);
      expect(doc.stage_parts?.video_analysis?.[order[1] as "source"]).toMatchObject({
        done: true,
        fraction: 1,
      });
      // the stage's span: from the first part taken (0.1 s after queueing) to the last stored (at 5.2 s)
      const [first, second] = [timing(0.1, 2), timing(0.2, 5)];
      const parts =
        order[0] === "source" ? { source: first, template: second } : { source: second, template: first };
      expect(doc.stage_timings?.video_analysis?.wall_seconds).toBeCloseTo(5.1, 9);
      expect(doc.stage_timings?.video_analysis).toMatchObject({
        queue_wait_seconds: 0.1,
        ffmpeg_runs: 2,
        worker_cpu_seconds: 1,
        parts,
      });
      expect(doc.analysis_reused?.video_analysis ?? []).toEqual(order[1] === "template" ? ["template"] : []);
      const response = await jobs.get("t", job._id);
      expect(response.stage_timings?.video_analysis?.parts).toEqual(parts);
    }
  });

  it("two parts done at the same moment advance the stage exactly once", async () => {
    for (let round = 0; round < 5; round++) {
      tasks.length = 0;
      const job = await create();
      await sleep(50);
      await Promise.all([
        jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "source"),
        jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template"),
        jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template"), // and a redelivery
      ]);
      await sleep(50);
      expect(tasks.filter((t) => t.startsWith("audio_analysis")).sort()).toEqual([
        "audio_analysis:source",
        "audio_analysis:template",
      ]);
      const log = await take(
        jobs.watch("t", job._id, 0, AbortSignal.timeout(5000)),
        (await stored(job._id)).version,
      );
      expect(log.filter((e) => e.job.current_stage === "audio_analysis")).toHaveLength(1);
    }
  });

  it("ignores a redelivered part, before and after the stage advanced", async () => {
    const job = await create();
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "source");
    const version = (await stored(job._id)).version;
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 9), [], "source");
    expect((await stored(job._id)).version).toBe(version);
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template");
    const advanced = await stored(job._id);
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template");
    await jobs.onStageFailed(job._id, "video_analysis", "a late duplicate gave up", "source");
    await sleep(50);
    expect(await stored(job._id)).toMatchObject({ version: advanced.version, status: "processing" });
    expect(tasks.filter((t) => t.startsWith("audio_analysis"))).toHaveLength(2);
  });

  it("combines the parts' progress by duration, monotonically", async () => {
    const job = await create();
    // the source is 3 s of 12: a half of it is 1/8 of the stage, a half of the template 3/8
    await jobs.onStageProgress(job._id, "video_analysis", 0.5, "source");
    expect((await stored(job._id)).progress_percent).toBe(1 + Math.floor(0.125 * 19));
    await jobs.onStageProgress(job._id, "video_analysis", 0.5, "template");
    expect((await stored(job._id)).progress_percent).toBe(1 + Math.floor(0.5 * 19));
    await jobs.onStageProgress(job._id, "video_analysis", 0.2, "source"); // reordered: no change
    expect((await stored(job._id)).progress_percent).toBe(10);
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template");
    expect((await stored(job._id)).progress_percent).toBe(1 + Math.floor((0.125 + 0.75) * 19));
    await jobs.onStageProgress(job._id, "video_analysis", 0.9, "source");
    expect((await stored(job._id)).progress_percent).toBe(1 + Math.floor((0.225 + 0.75) * 19));
  });

  it("a failed part fails the job, and the other part is told to stop", async () => {
    const job = await create();
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template");
    await jobs.onStageFailed(job._id, "video_analysis", "a duplicate of the done part", "template");
    expect((await stored(job._id)).status).toBe("processing");
    await jobs.onStageFailed(job._id, "video_analysis", "no frames", "source");
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "source"); // too late
    await sleep(50);
    expect(await stored(job._id)).toMatchObject({
      status: "failed",
      error: { stage: "video_analysis", message: "no frames" },
    });
    expect(terminal).toEqual(["failed"]);
    expect(cancelled).toEqual([job._id]);
  });

  it("the outbox sweep and a restart's resume publish only the parts not done", async () => {
    const job = await create();
    // both parts' first publish landed (a fixed pause lost the race under the full suite's load)
    await waitFor("both parts published", () => tasks.length >= 2);
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "template");
    tasks.length = 0;
    expect(await jobs.resumeActiveJobs()).toBe(1);
    await sleep(50);
    expect(tasks).toEqual(["video_analysis:source"]);

    // the advance's publish lost after the first part of the next stage went out
    const real = broker.publish.bind(broker);
    let sent = 0;
    broker.publish = async (key, body, headers) => {
      if (key === "stage.audio_analysis" && sent++ === 1) throw new Error("connection to the broker lost");
      return real(key, body, headers);
    };
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1), [], "source");
    await sleep(50);
    expect(tasks).toEqual(["video_analysis:source", "audio_analysis:source"]);
    await jobs.onStageDone(job._id, "audio_analysis", timing(0, 1), [], "source");
    await sleep(5); // the sweep takes jobs last changed before now − grace
    expect(await jobs.sweepOutbox(0)).toBe(1);
    await sleep(50);
    expect(tasks.slice(2)).toEqual(["audio_analysis:template"]);
    expect(await jobs.sweepOutbox(0)).toBe(0);

    // every part done but the advance not made (the process died in between): a resume makes it
    await docs
      .collection<JobDoc>("jobs")
      .updateOne({ _id: job._id }, { $set: { "stage_parts.audio_analysis.template.done": true } });
    tasks.length = 0;
    await jobs.resumeActiveJobs();
    await sleep(50);
    expect(tasks).toEqual(["motion_analysis:source", "motion_analysis:template"]);
    expect((await stored(job._id)).current_stage).toBe("motion_analysis");
  });

  it("a job without a template keeps one task per stage", async () => {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    await sleep(50);
    await jobs.onStageDone(job._id, "video_analysis", timing(0, 1));
    await sleep(50);
    expect(tasks).toEqual(["video_analysis:whole", "audio_analysis:whole"]);
    expect((await stored(job._id)).stage_timings?.video_analysis).toEqual(timing(0, 1));
  });
});

async function take<T>(stream: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const x of stream) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

describe("a chunked render runs as one task per chunk, then the join", () => {
  let dir: string;
  let broker: MemoryBroker;
  let jobs: JobsService;
  let docs: NedbDocStore;
  let store: FsObjectStore;
  /** Published rendering tasks, by part. */
  const tasks: string[] = [];
  const cancelled: string[] = [];

  beforeEach(async () => {
    tasks.length = 0;
    cancelled.length = 0;
    dir = await mkdtemp(join(tmpdir(), "jobs-chunks-test-"));
    ({ broker, docs, store, jobs } = await testService(dir, { renderChunkSeconds: 2 }));
    await consumeRoutes(
      broker,
      queues.stage("rendering"),
      on(routes.stageTask("rendering"), async (m) => void tasks.push(m.part ?? "whole")),
    );
    await broker.subscribe(routes.jobCancelled.key, async (raw) => {
      cancelled.push(decode(routes.jobCancelled, raw).jobId);
    });
  });
  afterEach(async () => {
    await broker.close();
    await docs.close();
    await rm(dir, { recursive: true, force: true });
  });

  const timing = (queued: number, wall: number) => ({
    wall_seconds: wall,
    queue_wait_seconds: queued,
    ffmpeg_runs: 1,
    ffmpeg_seconds: wall,
    ffmpeg_cpu_seconds: 2 * wall,
    worker_cpu_seconds: 0.1,
  });
  const stored = async (id: string) => (await docs.collection<JobDoc>("jobs").findOne({ _id: id }))!;

  /** A job whose style_application is running, with an edit of `seconds` stored; then that stage done. */
  async function atRendering(seconds: number): Promise<string> {
    const { job } = await jobs.create({ tenantId: "t", videoId: video.video_id });
    const summary = {
      version: 1,
      edit: { duration_seconds: seconds, cuts: [], segments: [], transitions: [], audio: "continuous" },
    };
    await store.putBytes(storageKeys.artifact(job._id, "edit_summary"), JSON.stringify(summary));
    await docs.collection<JobDoc>("jobs").updateOne(
      { _id: job._id },
      {
        $set: {
          status: "processing",
          done_index: 3,
          current_stage: "style_application",
          progress_percent: 70,
          style_json: {},
          outbox: null,
        },
      },
    );
    await jobs.onStageDone(job._id, "style_application");
    await sleep(30);
    return job._id;
  }

  it("publishes round(length / chunk) chunk tasks, the join once every chunk is in (whatever the order, a redelivery included), and completes after the join", async () => {
    const id = await atRendering(8.2); // 8.2 s of 2 s chunks: 4
    const chunks = [0, 1, 2, 3].map((i) => renderChunkPart(i, 4));
    expect(tasks).toEqual(chunks);
    expect((await stored(id)).render_chunks).toBe(4);
    const percents: number[] = [];
    const note = async () => void percents.push((await stored(id)).progress_percent);
    for (const [i, f] of [
      [2, 0.5],
      [0, 0.9],
      [2, 0.3], // late and lower: never takes the percent back
      [1, 1],
    ] as const) {
      await jobs.onStageProgress(id, "rendering", f, chunks[i]);
      await note();
    }
    for (const i of [3, 1, 0, 1]) {
      await jobs.onStageDone(id, "rendering", timing(0.1 * i, 5), [], chunks[i]);
      await note();
    }
    await sleep(30);
    expect(tasks).toEqual(chunks); // chunk 2 is still out: no join yet
    await jobs.onStageDone(id, "rendering", timing(0.2, 5), [], chunks[2]);
    await jobs.onStageDone(id, "rendering", timing(0.2, 5), [], chunks[2]); // a redelivery
    await sleep(30);
    expect(tasks).toEqual([...chunks, renderJoinPart(4)]);
    await note();
    await jobs.onStageProgress(id, "rendering", 0.5, renderJoinPart(4));
    await note();
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(Math.min(...percents)).toBeGreaterThanOrEqual(86);
    expect(Math.max(...percents)).toBeLessThanOrEqual(99);
    expect(percents.at(-1)).toBe(86 + Math.floor((0.85 + 0.15 * 0.5) * 13));
    expect((await stored(id)).status).toBe("processing");
    await jobs.onStageDone(id, "rendering", timing(0.05, 3), [], renderJoinPart(4));
    const done = await stored(id);
    expect(done).toMatchObject({ status: "completed", progress_percent: 100 });
    const cost = done.stage_timings?.rendering;
    // the span: the chunks from the first taken (0 s) to the last stored (0.3 + 5), then the join's wait and wall
    expect(cost?.wall_seconds).toBeCloseTo(5.3 + 3.05, 9);
    expect(Object.keys(cost?.parts ?? {})).toEqual([...chunks, renderJoinPart(4)]);
    expect(cost?.ffmpeg_cpu_seconds).toBeCloseTo(4 * 10 + 6, 9);
    const response = await jobs.get("t", id);
    expect(Object.keys(response.stage_timings?.rendering?.parts ?? {})).toEqual([
      ...chunks,
      renderJoinPart(4),
    ]);
  });

  it("a failed chunk fails the job and cancels the other chunks; a short edit renders in one task", async () => {
    const id = await atRendering(6);
    expect(tasks).toHaveLength(3);
    await jobs.onStageFailed(id, "rendering", "bad", renderChunkPart(1, 3));
    expect((await stored(id)).status).toBe("failed");
    await sleep(30);
    expect(cancelled).toEqual([id]);
    tasks.length = 0;
    await atRendering(2.9); // round(1.45) = 1 chunk
    expect(tasks).toEqual(["whole"]);
  });
});
