import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip, probe } from "./support/media.js";
import { type Receiver, startReceiver } from "./support/receiver.js";
import { expectEnvelope, expectJobResponse, expectStyleJson, expectVideoResponse } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

/** The documented flow of seeds 000, 001 and 004, request for request, on embedded defaults. */
describe("the documented flow (seeds 000, 001, 004)", () => {
  let engine: TestEngine;
  let source: string;
  let template: string;
  let receiver: Receiver;
  let hookUrl = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    source = await makeClip(join(dir, "my_video.mp4"), { seconds: 3 });
    template = await makeClip(join(dir, "template.mp4"), {
      seconds: 2,
      width: 180,
      height: 320,
      fps: 24,
      source: "mandelbrot=size=180x320:rate=24",
      filter: "eq=saturation=1.6:gamma_r=1.2",
    });
    receiver = await startReceiver();
    hookUrl = receiver.url;
  });
  afterAll(async () => {
    receiver?.close();
    await engine?.cleanup();
  });

  let videoId = "";
  let templateId = "";
  let jobId = "";

  it("seed 001 step 1: uploads a video as multipart form data", async () => {
    const res = await engine.upload(source, { webhook_url: hookUrl });
    expect(res.status).toBe(200);
    expectEnvelope(res.body, "Video uploaded successfully");
    expectVideoResponse(res.body.data, "my_video.mp4");
    const m = res.body.data.metadata;
    expect(m).toMatchObject({ width: 320, height: 180, frame_rate: 25, codec: "h264", format: "mp4" });
    expect(m.duration_seconds).toBeCloseTo(3, 0);
    expect(m.bitrate_kbps).toBeGreaterThan(0);
    videoId = res.body.data.video_id;

    const t = await engine.upload(template);
    expect(t.status).toBe(200);
    templateId = t.body.data.video_id;
  });

  it("seed 001 step 2: creates a job (HTTP 200, queued, progress 0, no stage)", async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { quality: "high" }, webhook_url: hookUrl }),
    );
    expect(res.status).toBe(200);
    expectEnvelope(res.body, "Job created");
    const d = res.body.data;
    expectJobResponse(d);
    expect(d).toMatchObject({
      video_id: videoId,
      status: "queued",
      progress_percent: 0,
      current_stage: null,
    });
    expect(d.created_at).toBe(d.updated_at);
    jobId = d.job_id;
  });

  it("seed 001 step 3 / seed 004: polls until completed, progress monotonic, stages in order", async () => {
    const seen = await engine.poll(jobId, 50);
    for (const s of seen) expectJobResponse(s);
    const last = seen.at(-1);
    expect(last.status).toBe("completed");
    expect(last.progress_percent).toBe(100);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].progress_percent).toBeGreaterThanOrEqual(seen[i - 1].progress_percent);
    const res = await engine.api(`/api/v1/jobs/${jobId}`);
    expectEnvelope(res.body, "Job retrieved");
  });

  it("seed 001 step 4: returns the result with a playable output and computed style", async () => {
    const res = await engine.api(`/api/v1/jobs/${jobId}/result`);
    expect(res.status).toBe(200);
    expectEnvelope(res.body, "Job result retrieved");
    const d = res.body.data;
    expect(d).toMatchObject({ job_id: jobId, status: "completed", progress_percent: 100, error: null });
    expect(typeof d.processing_time_seconds).toBe("number");
    expect(d.processing_time_seconds).toBeGreaterThan(0);
    expect(d.output_video_url).toMatch(new RegExp(`^file:///.*${jobId}/output\\.mp4$`));
    expectStyleJson(d.style_json);
    expect(d.style_json.aspect_ratio).toBe("16:9");
    expect(d.style_json.frame_rate).toBe(25);
    const out = await probe(new URL(d.output_video_url).pathname);
    expect(out.codec).toBe("h264");
    expect(out.frames).toBeGreaterThanOrEqual(70);
    // quality "high" keeps the source's 180p (cap 1080) rather than upscaling
    expect(out.height).toBe(180);
  });

  it("streams the output with HTTP Range support", async () => {
    const full = await fetch(`${engine.url.replace("localhost", "127.0.0.1")}/api/v1/jobs/${jobId}/output`);
    expect(full.status).toBe(200);
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    const bytes = new Uint8Array(await full.arrayBuffer());
    const part = await fetch(`http://127.0.0.1:${engine.port}/api/v1/jobs/${jobId}/output`, {
      headers: { range: "bytes=4-11" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 4-11/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(4, 12));
    expect(Buffer.from(bytes.slice(4, 8)).toString("latin1")).toBe("ftyp");
    const bad = await fetch(`http://127.0.0.1:${engine.port}/api/v1/jobs/${jobId}/output`, {
      headers: { range: `bytes=${bytes.length + 10}-` },
    });
    expect(bad.status).toBe(416);
  });

  it("calls the webhook on completion with the envelope and the flat fields", async () => {
    const hook = await waitFor(
      "the job's webhook",
      () => receiver.got.find((h) => h.body.job_id === jobId),
      10_000,
    );
    expect(hook.body).toMatchObject({
      success: true,
      job_id: jobId,
      status: "completed",
      progress_percent: 100,
    });
    expect(hook.body.data.job_id).toBe(jobId);
    expect(hook.body.data.style_json.version).toBe("1.0");
    expect(hook.body.output_video_url).toBe(hook.body.data.output_video_url);
    expect(typeof hook.body.processing_time_seconds).toBe("number");
    expect(hook.headers["webhook-id"]).toBeTruthy();
    expect(hook.headers["webhook-timestamp"]).toMatch(/^\d+$/);
  });

  it("seed 000: a job with a template applies the template's aspect ratio and frame rate", async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, template_video_id: templateId, config: { quality: "low" } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe("queued");
    expect(res.body.data.template_video_id).toBe(templateId);
    const done = await engine.waitFor(res.body.data.job_id);
    expect(done.status).toBe("completed");
    const result = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
    expect(result.style_json.aspect_ratio).toBe("9:16");
    expect(result.style_json.frame_rate).toBe(24);
    const out = await probe(new URL(result.output_video_url).pathname);
    expect(out.height).toBeGreaterThan(out.width); // cropped to portrait
    expect(Math.abs(out.width / out.height - 9 / 16)).toBeLessThan(0.02);
  });

  it("mode style_only completes after style_extraction with no output", async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: templateId, config: { mode: "style_only" } }),
    );
    const states = await engine.poll(res.body.data.job_id, 20);
    expect(
      states.some((s) => s.current_stage === "style_application" || s.current_stage === "rendering"),
    ).toBe(false);
    expect(states.at(-1).status).toBe("completed");
    const result = (await engine.api(`/api/v1/jobs/${res.body.data.job_id}/result`)).body.data;
    expect(result.output_video_url).toBeNull();
    expectStyleJson(result.style_json);
  });

  it("reuses a style_json from an earlier result instead of a template", async () => {
    const earlier = (await engine.api("/api/v1/jobs?page=1&page_size=100")).body.jobs.find(
      (j: any) => j.template_video_id === templateId,
    );
    const style = (await engine.api(`/api/v1/jobs/${earlier.job_id}/result`)).body.data.style_json;
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { style_json: style, quality: "low" } }),
    );
    expect(res.status).toBe(200);
    const done = await engine.waitFor(res.body.data.job_id);
    expect(done.status).toBe("completed");
    const result = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
    expect(result.style_json.aspect_ratio).toBe("9:16");
    expect(result.style_json.color_grade).toEqual(style.color_grade);
  });

  it("seed 004: lists jobs newest first with pagination", async () => {
    const all = await engine.api("/api/v1/jobs?page=1&page_size=10");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.page).toBe(1);
    expect(all.body.page_size).toBe(10);
    expect(all.body.jobs).toHaveLength(4);
    for (const j of all.body.jobs) expectJobResponse(j);
    const created = all.body.jobs.map((j: any) => j.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    const p1 = (await engine.api("/api/v1/jobs?page=1&page_size=3")).body;
    const p2 = (await engine.api("/api/v1/jobs?page=2&page_size=3")).body;
    expect(p1.jobs).toHaveLength(3);
    expect(p2.jobs).toHaveLength(1);
    expect(new Set([...p1.jobs, ...p2.jobs].map((j: any) => j.job_id)).size).toBe(4);
    const completed = (await engine.api("/api/v1/jobs?status=completed")).body;
    expect(completed.total).toBe(4);
  });

  it("gets, lists and deletes videos", async () => {
    const got = await engine.api(`/api/v1/videos/${videoId}`);
    expectEnvelope(got.body, "Video retrieved");
    expect(got.body.data.webhook_url).toBe(hookUrl);
    const list = (await engine.api("/api/v1/videos?page=1&page_size=1")).body;
    expect(list.total).toBe(2);
    expect(list.videos).toHaveLength(1);
    const del = await engine.api(`/api/v1/videos/${templateId}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect((await engine.api(`/api/v1/videos/${templateId}`)).status).toBe(404);
  });
});
