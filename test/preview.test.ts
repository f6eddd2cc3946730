import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isTerminalStatus } from "@clipzy/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { gate, previewHooks, storedPreview } from "./support/preview.js";
import { expectError } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

/**
 * GET /jobs/{id}/preview against the embedded engine: a real job, held before its preview is
 * written and again before its final encode, so every answer is checked at the moment it matters.
 * The preview is the real closed loop's proxy (a templated job; support/preview.ts holds it).
 */
describe("GET /jobs/{id}/preview: the last proxy, as soon as it exists", () => {
  let engine: TestEngine;
  let base = "";
  let source = "";
  let template = "";
  const A = { authorization: "Bearer tok_pa" };
  const B = { authorization: "Bearer tok_pb" };
  /** Per job: opened when the test lets style_application (which writes the preview) run. */
  const beforePreview = new Map<string, ReturnType<typeof gate>>();
  const beforeRender = new Map<string, ReturnType<typeof gate>>();
  const held = (m: Map<string, ReturnType<typeof gate>>, jobId: string) => {
    if (!m.has(jobId)) m.set(jobId, gate());
    return m.get(jobId)!;
  };

  beforeAll(async () => {
    engine = await startTestEngine(
      { API_KEYS: "tok_pa:tenant_a,tok_pb:tenant_b" },
      previewHooks({
        beforePreview: (id) => held(beforePreview, id).wait,
        beforeRender: (id) => held(beforeRender, id).wait,
      }),
    );
    base = `http://127.0.0.1:${engine.port}`;
    const dir = await fixtureDir(engine.dataDir);
    source = await makeClip(join(dir, "source.mp4"), { seconds: 2, width: 160, height: 90 });
    template = await makeClip(join(dir, "template.mp4"), {
      seconds: 2,
      source: "testsrc2=size=160x90:rate=25,hue=h=40:s=1.6",
    });
  }, 60_000);
  afterAll(async () => {
    // a failed test leaves its job held: let every job go so the engine stops at once
    for (const g of [...beforePreview.values(), ...beforeRender.values()]) g.open();
    await engine?.cleanup();
  });

  const upload = async (file: string, auth: Record<string, string>) => {
    const form = new FormData();
    form.set("file", new Blob([await readFile(file)]), "clip.mp4");
    const res = await engine.api("/api/v1/videos/upload", { method: "POST", body: form, headers: auth });
    return res.body.data.video_id as string;
  };
  /** The tenant's job once `until` holds (default: terminal). */
  const jobOf = (jobId: string, until = (j: any) => isTerminalStatus(j.status)) =>
    waitFor(
      `job ${jobId}`,
      async () => {
        const j = (await engine.api(`/api/v1/jobs/${jobId}`, { headers: A })).body.data;
        return until(j) && j;
      },
      { timeoutMs: 90_000 },
    );
  const preview = (jobId: string, headers: Record<string, string> = A, method = "GET") =>
    engine.api(`/api/v1/jobs/${jobId}/preview`, { headers, method });
  const bytesOf = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(base + path, { headers });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it("404 with a sentence before the first proxy, 200 video/mp4 while the job still runs, Range, HEAD, the token in the URL, then after completion", async () => {
    const videoId = await upload(source, A);
    const templateId = await upload(template, A);
    const created = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, template_video_id: templateId, config: { quality: "low" } }, A),
    );
    const jobId: string = created.body.data.job_id;

    // before: the job is held before style_application, so no proxy exists yet
    await jobOf(jobId, (j) => j.current_stage === "style_application" || isTerminalStatus(j.status));
    const before = await preview(jobId);
    expectError(before, 404, "not_found");
    expect(before.body.message).toMatch(new RegExp(`^job ${jobId} has no preview yet: .*style_application`));
    expect(before.body.error.details).toEqual({
      job_id: jobId,
      status: "processing",
      current_stage: "style_application",
    });
    expect(await storedPreview(engine.dataDir, jobId)).toBeNull();

    // the loop's proxies are written; the final encode is held: the job is processing and the chosen
    // proxy is served
    held(beforePreview, jobId).open();
    await jobOf(jobId, (j) => j.current_stage === "rendering" || isTerminalStatus(j.status));
    const stored = await storedPreview(engine.dataDir, jobId);
    expect(stored?.length).toBeGreaterThan(1000);
    const whole = await bytesOf(`/api/v1/jobs/${jobId}/preview`, A);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("cache-control")).toBe("no-store");
    expect(whole.headers.get("content-length")).toBe(String(stored!.length));
    expect(whole.bytes.equals(stored!)).toBe(true);
    expect(whole.bytes.subarray(4, 8).toString("latin1")).toBe("ftyp");
    expect((await engine.api(`/api/v1/jobs/${jobId}`, { headers: A })).body.data.status).toBe("processing");
    // documented answers (engine.api checks them against the OpenAPI document)
    expect((await preview(jobId)).status).toBe(200);

    const part = await bytesOf(`/api/v1/jobs/${jobId}/preview`, { ...A, range: "bytes=100-199" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${stored!.length}`);
    expect(part.bytes.equals(stored!.subarray(100, 200))).toBe(true);
    const tail = await bytesOf(`/api/v1/jobs/${jobId}/preview`, { ...A, range: "bytes=-10" });
    expect(tail.bytes.equals(stored!.subarray(stored!.length - 10))).toBe(true);
    const outside = await engine.api(`/api/v1/jobs/${jobId}/preview`, {
      headers: { ...A, range: `bytes=${stored!.length + 10}-` },
    });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe(`bytes */${stored!.length}`);

    const head = await fetch(`${base}/api/v1/jobs/${jobId}/preview`, { method: "HEAD", headers: A });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(stored!.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    // a <video> element sends no header: ?access_token= is accepted here as on /output
    const viaQuery = await bytesOf(`/api/v1/jobs/${jobId}/preview?access_token=tok_pa`, {});
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.bytes.equals(stored!)).toBe(true);
    expectError(await engine.api(`/api/v1/jobs/${jobId}/preview?access_token=nope`), 401, "unauthorized");

    // another tenant's job is not there at all
    const other = await preview(jobId, B);
    expectError(other, 404, "job_not_found");
    expect(JSON.stringify(other.body)).not.toContain("preview yet");

    // the final encode runs; the preview stays, and the output is another file
    held(beforeRender, jobId).open();
    const done = await jobOf(jobId);
    expect(done.status).toBe("completed");
    const after = await bytesOf(`/api/v1/jobs/${jobId}/preview`, A);
    expect(after.status).toBe(200);
    expect(after.bytes.equals(stored!)).toBe(true);
    const output = await bytesOf(`/api/v1/jobs/${jobId}/output`, A);
    expect(output.status).toBe(200);
    expect(output.bytes.equals(stored!)).toBe(false);
  }, 120_000);

  it("a style_only job says it renders no video; a job that completed or was cancelled without one says so", async () => {
    const videoId = await upload(source, A);
    const styleOnly = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { mode: "style_only" } }, A),
    );
    const id: string = styleOnly.body.data.job_id;
    const early = await preview(id);
    expectError(early, 404, "not_found");
    expect(early.body.message).toBe(
      `job ${id} is a style_only job: it extracts a style and renders no video, so it has no preview`,
    );
    await jobOf(id);
    expect((await preview(id)).body.message).toMatch(/style_only job: .* renders no video/);

    // a full job without a template has nothing to correct: the loop renders no proxy, so it
    // completes without one
    const full = await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } }, A));
    const fullId: string = full.body.data.job_id;
    held(beforePreview, fullId).open();
    await jobOf(fullId, (j) => j.current_stage === "rendering" || isTerminalStatus(j.status));
    expect(await storedPreview(engine.dataDir, fullId)).toBeNull();
    held(beforeRender, fullId).open();
    expect((await jobOf(fullId)).status).toBe("completed");
    const none = await preview(fullId);
    expectError(none, 404, "not_found");
    expect(none.body.message).toBe(
      `job ${fullId} completed without a preview; its output is at GET /jobs/${fullId}/output`,
    );
    expect(none.body.error.details.status).toBe("completed");

    // a job cancelled before its first proxy never has one
    const cancelled = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { quality: "low" } }, A),
    );
    const cancelledId: string = cancelled.body.data.job_id;
    await jobOf(cancelledId, (j) => j.current_stage === "style_application" || isTerminalStatus(j.status));
    expect(
      (await engine.api(`/api/v1/jobs/${cancelledId}/cancel`, { method: "POST", headers: A })).status,
    ).toBe(200);
    const gone = await preview(cancelledId);
    expectError(gone, 404, "not_found");
    expect(gone.body.message).toBe(`job ${cancelledId} is cancelled and rendered no preview`);
    held(beforePreview, cancelledId).open();
  }, 120_000);

  it("unknown, malformed and non-ASCII ids are 404 job_not_found; another method is 405 with Allow", async () => {
    for (const id of [
      "job_doesnotexist1",
      "job_%C2%84",
      "vid%C3%A9",
      encodeURIComponent("../../etc/passwd"),
    ]) {
      const res = await preview(id);
      expectError(res, 404, "job_not_found");
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      for (const headers of [A, {}]) {
        const res = await preview("job_doesnotexist1", headers, method);
        expectError(res, 405, "method_not_allowed");
        expect(res.headers.get("allow")).toBe("GET, HEAD");
      }
    }
    expectError(await preview("job_doesnotexist1", {}), 401, "unauthorized");
  });
});
