/**
 * Faults in distributed mode, each on real processes and servers: a stage worker killed with
 * SIGKILL mid-stage, RabbitMQ stopped and started during a job, the jobs service restarted during
 * a job, duplicated and reordered stage events, and two instances of every worker sharing the
 * queues. The tests share one cluster and run in order.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { routes, STAGE_NAMES, type StageName, storageKeys } from "@clipzy/contracts";
import { connectBroker, connectObjectStore } from "@clipzy/platform/connect";
import { publish } from "@clipzy/platform/messaging";
import amqp from "amqplib";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, WORKER_OF } from "../support/cluster.js";
import { startBroker, stopBroker } from "../support/infra.js";
import { makeClip, probe } from "../support/media.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { sleep, waitFor } from "../support/wait.js";

const TERMINAL = ["completed", "failed", "cancelled"];

let cluster: Cluster;
let small: string; // 2 s, 160x90: fast jobs
let smallId: string;
let hooks: Receiver;
const created: string[] = [];

function expectMonotonic(states: any[]): void {
  const p = states.map((s) => s.progress_percent);
  expect(p, "progress never goes backward").toEqual([...p].sort((a, b) => a - b));
}

/** Where a timed-out wait points to. */
const logs = () => `logs: ${cluster.dir}`;

async function job(videoId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = await cluster.createJob({ video_id: videoId, config: { quality: "low" }, ...extra });
  created.push(id);
  return id;
}

beforeAll(async () => {
  cluster = await Cluster.start();
  small = await makeClip(join(cluster.dir, "small.mp4"), { seconds: 2, width: 160, height: 90 });
  smallId = await cluster.upload(small);
  hooks = await startReceiver();
});

afterAll(async () => {
  await cluster?.stop();
  hooks?.close();
});

describe("distributed faults", () => {
  it("kill -9 of a stage worker mid-stage: a fresh worker finishes the job, progress never went backward, the output is valid", async () => {
    // Long enough that rendering takes a while at high quality.
    const clip = await makeClip(join(cluster.dir, "long.mp4"), { seconds: 8, width: 640, height: 360 });
    const videoId = await cluster.upload(clip);
    const jobId = await job(videoId, { config: { quality: "high" } });
    const victim: StageName = "rendering";
    let killedAt: any;
    const states = await cluster.poll(jobId, {
      intervalMs: 20,
      onState: async (j) => {
        if (!killedAt && j.current_stage === victim && j.progress_percent > 86) {
          killedAt = j;
          await cluster.kill(`${WORKER_OF[victim]}-1`, "SIGKILL");
          await waitFor(
            "the broker saw the consumer go",
            async () => (await cluster.consumerCounts())[`stage.${victim}`] === 0,
            { detail: logs },
          );
          await sleep(500);
          cluster.startWorker(victim, 2);
        }
      },
    });
    expect(killedAt, "the worker was killed during its stage").toBeTruthy();
    const final = states.at(-1);
    expect(final.status, JSON.stringify(final)).toBe("completed");
    expectMonotonic(states);
    const done = (await cluster.stageDone()).filter((d) => d.job === jobId && d.stage === victim);
    expect(
      done.map((d) => d.worker),
      "only the fresh worker finished the stage",
    ).toEqual([`${WORKER_OF[victim]}-2`]);

    const result = await cluster.api(`/api/v1/jobs/${jobId}/result`);
    const res = await fetch(result.body.data.output_video_url);
    expect(res.status).toBe(200);
    const out = join(cluster.dir, "killed.mp4");
    await writeFile(out, Buffer.from(await res.arrayBuffer()));
    const p = await probe(out);
    expect(p.codec).toBe("h264");
    expect(p.duration).toBeGreaterThan(7);
    expect(p.frames).toBeGreaterThan(150);
  });

  it("RabbitMQ stopped and started during a job: every service reconnects, the job completes, nothing is lost", async () => {
    const jobId = await job(smallId, { webhook_url: hooks.url });
    let restarted = false;
    const states = await cluster.poll(jobId, {
      intervalMs: 20,
      onState: async (j) => {
        if (!restarted && j.status === "processing") {
          restarted = true;
          await stopBroker();
          await sleep(1000);
          await startBroker();
        }
      },
    });
    expect(restarted).toBe(true);
    expect(states.at(-1).status, JSON.stringify(states.at(-1))).toBe("completed");
    expectMonotonic(states);
    // The terminal event crossed the restarted broker to the webhooks service.
    await waitFor("webhook", () => hooks.got.some((h) => h.body.job_id === jobId), { detail: logs });
    // Every worker consumes again, and the whole pipeline works after the restart.
    await cluster.ready();
    const after = await job(smallId);
    expect((await cluster.poll(after)).at(-1).status).toBe("completed");
    for (const name of [
      "jobs",
      "webhooks",
      ...STAGE_NAMES.map((s) => `${WORKER_OF[s]}-${s === "rendering" ? 2 : 1}`),
    ]) {
      const lines = await cluster.logLines(name);
      expect(
        lines.some((l) => /reconnected/.test(l.msg ?? "")),
        `${name} logged its reconnection`,
      ).toBe(true);
    }
  });

  it("the jobs service restarted during a job: no job lost or duplicated", async () => {
    const listed = await cluster.api("/api/v1/jobs?page_size=100");
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const before = listed.body.total;
    const ids = [await job(smallId), await job(smallId), await job(smallId)];
    await waitFor(
      "a job processing",
      async () =>
        (await Promise.all(ids.map((id) => cluster.api(`/api/v1/jobs/${id}`)))).some(
          (r) => r.body.data?.status === "processing",
        ),
      { detail: logs },
    );
    await cluster.kill("jobs", "SIGKILL");
    await sleep(1000);
    cluster.startService("jobs");
    await cluster.ready();
    for (const id of ids) {
      const states = await cluster.poll(id);
      expect(states.at(-1).status, `${id}: ${JSON.stringify(states.at(-1))}`).toBe("completed");
      expectMonotonic(states);
    }
    const list = (await cluster.api("/api/v1/jobs?page_size=100")).body;
    expect(list.total).toBe(before + 3);
    expect(new Set(list.jobs.map((j: any) => j.job_id)).size).toBe(list.jobs.length);
    for (const id of ids) expect(list.jobs.filter((j: any) => j.job_id === id)).toHaveLength(1);
    const mongo = await new MongoClient(cluster.mongoUrl).connect();
    const db = mongo.db(new URL(cluster.mongoUrl).pathname.slice(1));
    expect(await db.collection("jobs").countDocuments({ _id: { $in: ids as never[] } })).toBe(3);
    await mongo.close();
  });

  it("two instances of each stage worker sharing the queues: ten concurrent jobs all complete, none processed twice", async () => {
    for (const stage of STAGE_NAMES) cluster.startWorker(stage, 3);
    await cluster.ready();
    const stats = await cluster.queueStats();
    for (const s of STAGE_NAMES) expect(stats[`stage.${s}`].consumers).toBe(2);

    const ids = await Promise.all(Array.from({ length: 10 }, () => job(smallId)));
    const finals = await Promise.all(
      ids.map(async (id) => (await cluster.poll(id, { intervalMs: 250 })).at(-1)),
    );
    for (const f of finals) expect(f.status, JSON.stringify(f)).toBe("completed");

    const done = (await cluster.stageDone()).filter((d) => ids.includes(d.job));
    for (const id of ids) {
      for (const stage of STAGE_NAMES) {
        expect(
          done.filter((d) => d.job === id && d.stage === stage),
          `${id} ${stage}`,
        ).toHaveLength(1);
      }
    }
    // The work was shared: every stage was done by both of its instances.
    for (const stage of STAGE_NAMES) {
      expect(new Set(done.filter((d) => d.stage === stage).map((d) => d.worker)).size, stage).toBe(2);
    }
  });

  it("stage events duplicated and out of order leave the job exactly as one in-order delivery does", async () => {
    // A real style artifact, from a job the workers run, for the two jobs below.
    await cluster.ready();
    const styled = await job(smallId);
    expect((await cluster.poll(styled)).at(-1).status).toBe("completed");
    // The workers step aside; this test plays them, publishing StageProgress / StageDone itself.
    for (const name of [...cluster.procs.keys()]) {
      if (STAGE_NAMES.some((s) => name.startsWith(`${WORKER_OF[s]}-`))) await cluster.kill(name, "SIGTERM");
    }
    await waitFor(
      "no stage consumers",
      async () => Object.values(await cluster.consumerCounts()).every((n) => n === 0),
      { detail: logs },
    );
    const broker = await connectBroker(cluster.brokerUrl);
    const store = await connectObjectStore(cluster.env.OBJECT_STORE_URL);
    // The artifacts completion reads (the style and the edit), as the workers would have written them.
    const artifacts = await Promise.all(
      (["style_extraction", "style_application"] as const).map(
        async (stage) => [stage, await store.getBytes(storageKeys.artifact(styled, stage))] as const,
      ),
    );
    const progress = (jobId: string, stage: StageName, fraction: number) =>
      publish(broker, routes.stageProgress, { jobId, stage, fraction });
    const done = (jobId: string, stage: StageName) =>
      publish(broker, routes.stageDone, { jobId, stage, artifactKey: storageKeys.artifact(jobId, stage) });

    /** Waits until the jobs service applied `stage`'s completion: the next stage runs, or the job completed. */
    const advanced = (jobId: string, stage: StageName) => {
      const next = STAGE_NAMES[STAGE_NAMES.indexOf(stage) + 1];
      return waitFor(
        `${jobId} past ${stage}`,
        async () => {
          const j = (await cluster.api(`/api/v1/jobs/${jobId}`)).body.data;
          return next ? j.current_stage === next || TERMINAL.includes(j.status) : TERMINAL.includes(j.status);
        },
        { detail: logs },
      );
    };
    const drained = () =>
      waitFor(
        "jobs.events drained",
        async () => {
          const conn = await amqp.connect(cluster.brokerUrl);
          try {
            const ch = await conn.createChannel();
            return (await ch.checkQueue("jobs.events")).messageCount === 0;
          } finally {
            await conn.close();
          }
        },
        { detail: logs },
      );

    const reference = await job(smallId);
    const scrambled = await job(smallId);
    for (const id of [reference, scrambled])
      for (const [stage, bytes] of artifacts)
        await store.putBytes(storageKeys.artifact(id, stage), bytes, { contentType: "application/json" });

    // One in-order delivery.
    for (const stage of STAGE_NAMES) {
      await progress(reference, stage, 0.5);
      await done(reference, stage);
      await advanced(reference, stage);
    }
    // The same events, each done delivered twice, and stale progress/done of earlier stages
    // arriving after later ones.
    for (let i = 0; i < STAGE_NAMES.length; i++) {
      const stage = STAGE_NAMES[i];
      await progress(scrambled, stage, 0.5);
      await done(scrambled, stage);
      await done(scrambled, stage);
      if (i > 0) {
        await progress(scrambled, STAGE_NAMES[i - 1], 0.9);
        await done(scrambled, STAGE_NAMES[i - 1]);
      }
      await progress(scrambled, stage, 0.2);
      await advanced(scrambled, stage);
    }
    await done(scrambled, "video_analysis");
    await progress(scrambled, "audio_analysis", 0.1);
    await drained();
    await sleep(1000); // the last one taken may still be in its handler

    const [a, b] = await Promise.all(
      [reference, scrambled].map(async (id) => {
        const res = await cluster.api(`/api/v1/jobs/${id}/result`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const r = res.body.data;
        const norm = JSON.parse(JSON.stringify(r).replaceAll(id, "JOB"));
        for (const k of ["created_at", "updated_at", "started_at", "completed_at", "processing_time_seconds"])
          delete norm[k];
        norm.output_video_url = norm.output_video_url?.split("?")[0];
        return norm;
      }),
    );
    expect(b.status).toBe("completed");
    expect(b).toEqual(a);

    // Progress of the scrambled job never went backward, in any recorded state.
    const mongo = await new MongoClient(cluster.mongoUrl).connect();
    const db = mongo.db(new URL(cluster.mongoUrl).pathname.slice(1));
    const history = await db.collection("job_events").find({ job_id: scrambled }).sort({ seq: 1 }).toArray();
    const p = history.map((e) => e.job.progress_percent as number);
    expect(p.length).toBeGreaterThan(6);
    expect(p).toEqual([...p].sort((x, y) => x - y));
    await mongo.close();

    // Duplicated and stale events published no extra tasks: one task per stage per job waits.
    const stats = await cluster.queueStats();
    for (const s of STAGE_NAMES) expect(stats[`stage.${s}`].messages, s).toBe(2);
    expect(TERMINAL).toContain(b.status);
    await broker.close();
  });
});
