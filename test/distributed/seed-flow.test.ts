/**
 * The seed flow in distributed mode: every service its own OS process, messages through RabbitMQ,
 * documents in the MongoDB-protocol server, media and artifacts in MinIO.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { STAGE_NAMES, storageKeys } from "@clipzy/contracts";
import { connectObjectStore } from "@clipzy/platform/connect";
import * as Minio from "minio";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, WORKER_OF } from "../support/cluster.js";
import { makeClip, probe } from "../support/media.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { waitFor } from "../support/wait.js";

let cluster: Cluster;
let clip: string;
let hooks: Receiver;
let firstVideoId = "";

beforeAll(async () => {
  cluster = await Cluster.start();
  clip = await makeClip(join(cluster.dir, "in.mp4"), { seconds: 3, width: 320, height: 180 });
  hooks = await startReceiver();
});

afterAll(async () => {
  await cluster?.stop();
  hooks?.close();
});

describe("distributed mode: seed flow", () => {
  it("upload → job → six stages on separate worker processes → completed, with a presigned output URL and a webhook", async () => {
    const videoId = await cluster.upload(clip);
    firstVideoId = videoId;
    const jobId = await cluster.createJob({
      video_id: videoId,
      webhook_url: hooks.url,
      config: { quality: "low" },
    });
    const states = await cluster.poll(jobId);
    const final = states.at(-1);
    expect(final.status, JSON.stringify(final)).toBe("completed");
    expect(final.progress_percent).toBe(100);
    const progress = states.map((s) => s.progress_percent);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // Every stage ran in its own worker process.
    const done = await cluster.stageDone();
    expect(
      done
        .filter((d) => d.job === jobId)
        .map((d) => d.stage)
        .sort(),
    ).toEqual([...STAGE_NAMES].sort());
    for (const d of done) expect(d.worker.startsWith(d.worker.split("-")[0])).toBe(true);

    // output_video_url is a presigned GET URL on MinIO; ffprobe reads the file it names.
    const result = await cluster.api(`/api/v1/jobs/${jobId}/result`);
    expect(result.status).toBe(200);
    const url: string = result.body.data.output_video_url;
    expect(url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${cluster.bucket}/.*${jobId}/.+X-Amz-Signature=`),
    );
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    const out = join(cluster.dir, "out.mp4");
    await writeFile(out, Buffer.from(await fetched.arrayBuffer()));
    const p = await probe(out);
    expect(p.codec).toBe("h264");
    expect(p.frames).toBeGreaterThan(30);
    expect(result.body.data.style_json).toBeTruthy();

    // The gateway streams the same file from the object store, with ranges.
    const ranged = await fetch(`${cluster.base}/api/v1/jobs/${jobId}/output`, {
      headers: { range: "bytes=0-99" },
    });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);

    // The webhook arrived through the broker and the webhooks service.
    await waitFor("the job's webhook", () => hooks.got.some((h) => h.body.job_id === jobId), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const hook = hooks.got.find((h) => h.body.job_id === jobId)?.body;
    expect(hook?.status).toBe("completed");
    expect(hook?.output_video_url).toMatch(/X-Amz-Signature=/);

    // The state really lives on the real servers.
    const mongo = await new MongoClient(cluster.mongoUrl).connect();
    const dbName = new URL(cluster.mongoUrl).pathname.slice(1);
    const doc = await mongo
      .db(dbName)
      .collection("jobs")
      .findOne({ _id: jobId as never });
    expect(doc?.status).toBe("completed");
    const indexes = (await mongo.db(dbName).collection("jobs").indexes()).map((i) => JSON.stringify(i.key));
    expect(indexes).toContain(JSON.stringify({ tenant_id: 1, created_at: -1 }));
    await mongo.close();
    const keys = await bucketKeys();
    expect(keys.filter((k) => k.startsWith(`artifacts/${jobId}/`)).length).toBeGreaterThanOrEqual(5);
    expect(keys.some((k) => k.includes(jobId) && k.endsWith(".mp4"))).toBe(true);
    const stats = await cluster.queueStats();
    for (const s of STAGE_NAMES) expect(stats[`stage.${s}`]).toEqual({ consumers: 1, messages: 0 });
  });

  it("a second job on the same video reuses its analyses from the object store: no decode", async () => {
    const jobId = await cluster.createJob({ video_id: firstVideoId, config: { quality: "low" } });
    const final = (await cluster.poll(jobId)).at(-1);
    expect(final.status, JSON.stringify(final)).toBe("completed");
    expect(final.analysis_reused).toEqual([
      { stage: "video_analysis", input: "source" },
      { stage: "audio_analysis", input: "source" },
    ]);
    for (const stage of ["video_analysis", "audio_analysis"])
      expect(final.stage_timings.find((t: { stage: string }) => t.stage === stage).ffmpeg_runs).toBe(0);
    const cached = (await bucketKeys()).filter((k) => k.startsWith("analysis/default/"));
    expect(cached.map((k) => k.split("/").at(-1)).sort()).toEqual(["audio.json", "motion.bin", "video.json"]);
  });

  it("a templated job's analyses are two tasks each, taken by two workers side by side", async () => {
    // two instances of each analysis worker, one task at a time each: the two parts can only go side by side
    const analysis = ["video_analysis", "audio_analysis", "motion_analysis"] as const;
    for (const stage of analysis) {
      await cluster.kill(`${WORKER_OF[stage]}-1`, "SIGTERM");
      for (const i of [2, 3]) cluster.startWorker(stage, i, { WORKER_CONCURRENCY: "1" });
    }
    await cluster.ready();
    const template = await makeClip(join(cluster.dir, "template.mp4"), {
      seconds: 3,
      width: 320,
      height: 180,
      filter: "eq=saturation=1.6:gamma_r=1.2",
    });
    const [videoId, templateId] = [await cluster.upload(clip), await cluster.upload(template)];
    const jobId = await cluster.createJob({
      video_id: videoId,
      template_video_id: templateId,
      config: { quality: "low" },
    });
    const states = await cluster.poll(jobId);
    const final = states.at(-1);
    expect(final.status, JSON.stringify(final)).toBe("completed");
    const progress = states.map((s) => s.progress_percent);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const done = (await cluster.stageDone()).filter((d) => d.job === jobId);
    for (const stage of analysis) {
      const parts = done.filter((d) => d.stage === stage);
      expect(parts.map((d) => d.part).sort(), stage).toEqual(["source", "template"]);
      expect(new Set(parts.map((d) => d.worker)).size, stage).toBe(2);
      const timing = final.stage_timings.find((t: { stage: string }) => t.stage === stage);
      expect(timing.parts.map((p: { input: string }) => p.input)).toEqual(["source", "template"]);
    }
    for (const stage of STAGE_NAMES.slice(3)) expect(done.filter((d) => d.stage === stage)).toHaveLength(1);
    const keys = await bucketKeys();
    for (const stage of analysis)
      for (const input of ["source", "template"])
        expect(keys).toContain(`artifacts/${jobId}/${stage}-${input}.json`);

    // The closed loop's preview (its chosen proxy, put in MinIO by the style-applier process) is
    // served from MinIO as the output is: whole and by range.
    const proxy = await (await connectObjectStore(cluster.env.OBJECT_STORE_URL)).getBytes(
      storageKeys.preview(jobId),
    );
    expect(proxy.subarray(4, 8).toString("latin1")).toBe("ftyp");
    const preview = await fetch(`${cluster.base}/api/v1/jobs/${jobId}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await preview.arrayBuffer()).equals(proxy)).toBe(true);
    const previewPart = await fetch(`${cluster.base}/api/v1/jobs/${jobId}/preview`, {
      headers: { range: "bytes=10-19" },
    });
    expect(previewPart.status).toBe(206);
    expect(Buffer.from(await previewPart.arrayBuffer()).equals(proxy.subarray(10, 20))).toBe(true);
  });
});

async function bucketKeys(): Promise<string[]> {
  const s3 = new URL(cluster.infra.env.OBJECT_STORE_URL);
  const minio = new Minio.Client({
    endPoint: s3.hostname,
    port: Number(s3.port),
    useSSL: false,
    accessKey: decodeURIComponent(s3.username),
    secretKey: decodeURIComponent(s3.password),
    region: "us-east-1",
  });
  const keys: string[] = [];
  for await (const o of minio.listObjectsV2(cluster.bucket, "", true) as AsyncIterable<{ name: string }>)
    keys.push(o.name);
  return keys;
}
