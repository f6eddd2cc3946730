import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip, makeTextFile, makeTruncated } from "./support/media.js";
import { expectError } from "./support/shapes.js";

async function storedVideos(engine: TestEngine): Promise<string[]> {
  return readdir(join(engine.dataDir, "storage", "videos")).catch(() => []);
}

/** Sends a multipart body as a stream with no Content-Length, so only the streaming limit can stop it. */
function streamingMultipart(totalBytes: number): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = "----clipzyboundary";
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(7);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(head);
    },
    pull(c) {
      if (sent >= totalBytes) {
        c.enqueue(tail);
        c.close();
        return;
      }
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("bad input gets a clear error and loses nothing", () => {
  let engine: TestEngine;
  let dir = "";
  let videoId = "";

  beforeAll(async () => {
    engine = await startTestEngine({ MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
    dir = await fixtureDir(engine.dataDir);
    videoId = (await engine.upload(await makeClip(join(dir, "ok.mp4"), { seconds: 3 }))).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  it("malformed JSON → 400 invalid_json", async () => {
    expectError(await engine.api("/api/v1/jobs", json('{"video_id": "vid_x",')), 400, "invalid_json");
  });

  it("wrong types → 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ video_id: 123 }, "video_id"],
      [{}, "video_id"],
      [{ video_id: videoId, config: { quality: "ultra" } }, "config.quality"],
      [{ video_id: videoId, config: { mode: 1 } }, "config.mode"],
      [{ video_id: videoId, config: "high" }, "config"],
      [{ video_id: videoId, webhook_url: "ftp://x" }, "webhook_url"],
      [
        { video_id: videoId, config: { style_json: { version: "1.0", frame_rate: "fast" } } },
        "config.style_json.frame_rate",
      ],
      // accepted before, then failed five times in rendering
      [
        { video_id: videoId, config: { style_json: { version: "1.0", frame_rate: 1e308 } } },
        "config.style_json.frame_rate",
      ],
      [
        { video_id: videoId, config: { style_json: { version: "1.0", aspect_ratio: "0:0" } } },
        "config.style_json.aspect_ratio",
      ],
      [
        {
          video_id: videoId,
          config: {
            style_json: {
              version: "1.0",
              primary_transition: { type: "spin", duration_ms: 1, easing: "linear" },
            },
          },
        },
        "config.style_json.primary_transition.type",
      ],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const res = await engine.api("/api/v1/jobs", json(body));
      expectError(res, 400, "validation_error");
      expect(res.body.error.details.field, JSON.stringify(body)).toBe(field);
      expect(res.body.message).toContain(field);
    }
  });

  it("a duration or editing fields out of range → 400 naming the field", async () => {
    const sj = (over: Record<string, unknown>) => ({ style_json: { version: "1.0", ...over } });
    const cases: [Record<string, unknown>, string][] = [
      [{ duration_seconds: 0.5 }, "config.duration_seconds"],
      [{ duration_seconds: "5" }, "config.duration_seconds"],
      // longer than the 3 s source: only the jobs service knows the video, and says so
      [{ duration_seconds: 3.5 }, "config.duration_seconds"],
      [sj({ cut_frequency: -1 }), "config.style_json.cut_frequency"],
      [sj({ zoom_usage: 150 }), "config.style_json.zoom_usage"],
      [sj({ motion_intensity: -3 }), "config.style_json.motion_intensity"],
      [sj({ tempo_bpm: 0 }), "config.style_json.tempo_bpm"],
      [
        sj({ primary_transition: { type: "fade", duration_ms: -40, easing: "linear" } }),
        "config.style_json.primary_transition.duration_ms",
      ],
    ];
    for (const [config, field] of cases) {
      const res = await engine.api("/api/v1/jobs", json({ video_id: videoId, config }));
      expectError(res, 400, "validation_error");
      expect(res.body.error.details.field, JSON.stringify(config)).toBe(field);
    }
  });

  it("unknown config and body keys → 400", async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { quality: "high", speed: 2 } }),
    );
    expectError(res, 400, "validation_error");
    expect(res.body.error.details.field).toBe("config.speed");
    expectError(
      await engine.api("/api/v1/jobs", json({ video_id: videoId, colour: "red" })),
      400,
      "validation_error",
    );
  });

  it("template and style_json together → 400", async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, template_video_id: videoId, config: { style_json: { version: "1.0" } } }),
    );
    expectError(res, 400, "validation_error");
  });

  it("a body that is not JSON → 415", async () => {
    expectError(
      await engine.api("/api/v1/jobs", {
        method: "POST",
        body: "video_id=x",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("unknown ids → 404", async () => {
    expectError(
      await engine.api("/api/v1/jobs", json({ video_id: "vid_doesnotexist00" })),
      404,
      "video_not_found",
    );
    expectError(
      await engine.api("/api/v1/jobs", json({ video_id: videoId, template_video_id: "vid_doesnotexist00" })),
      404,
      "template_not_found",
    );
    expectError(await engine.api("/api/v1/jobs/job_doesnotexist00"), 404, "job_not_found");
    expectError(await engine.api("/api/v1/jobs/job_doesnotexist00/result"), 404, "job_not_found");
    expectError(
      await engine.api("/api/v1/jobs/job_doesnotexist00/cancel", { method: "POST" }),
      404,
      "job_not_found",
    );
    expectError(await engine.api("/api/v1/videos/vid_doesnotexist00"), 404, "video_not_found");
    expectError(
      await engine.api("/api/v1/videos/vid_doesnotexist00", { method: "DELETE" }),
      404,
      "video_not_found",
    );
    expectError(await engine.api("/api/v1/nothing-here"), 404, "not_found");
  });

  it("/result before completion → 409 job_not_completed; a video in use cannot be deleted", async () => {
    const job = (await engine.api("/api/v1/jobs", json({ video_id: videoId }))).body.data;
    const res = await engine.api(`/api/v1/jobs/${job.job_id}/result`);
    expectError(res, 409, "job_not_completed");
    expect(res.body.error.details.status).toMatch(/queued|processing/);
    expectError(await engine.api(`/api/v1/videos/${videoId}`, { method: "DELETE" }), 409, "video_in_use");
    await engine.waitFor(job.job_id);
  });

  it("a text file → 422 invalid_media, nothing left in storage", async () => {
    const before = await storedVideos(engine);
    const res = await engine.upload(await makeTextFile(join(dir, "notes.mp4")));
    expectError(res, 422, "invalid_media");
    expect(await storedVideos(engine)).toEqual(before);
  });

  it("a truncated MP4 → 422 invalid_media, nothing left in storage", async () => {
    const before = await storedVideos(engine);
    const full = await makeClip(join(dir, "full.mp4"), { seconds: 3 });
    const res = await engine.upload(await makeTruncated(join(dir, "truncated.mp4"), full));
    expectError(res, 422, "invalid_media");
    expect(await storedVideos(engine)).toEqual(before);
  });

  it("an unknown template on upload → 404, nothing left in storage", async () => {
    const before = await storedVideos(engine);
    const res = await engine.upload(join(dir, "ok.mp4"), { template_video_id: "vid_doesnotexist00" });
    expectError(res, 404, "template_not_found");
    expect(await storedVideos(engine)).toEqual(before);
  });

  it("an oversized upload → 413, by declared length and by streamed bytes", async () => {
    const before = await storedVideos(engine);
    const big = await makeClip(join(dir, "big.mp4"), {
      seconds: 12,
      width: 640,
      height: 360,
      source: "testsrc2=size=640x360:rate=30,noise=alls=40:allf=t",
    });
    expectError(await engine.upload(big), 413, "payload_too_large");
    const { body, contentType } = streamingMultipart(3 * 1024 * 1024);
    const res = await engine.api("/api/v1/videos/upload", {
      method: "POST",
      body,
      headers: { "content-type": contentType },
      duplex: "half",
    } as RequestInit);
    expectError(res, 413, "payload_too_large");
    expect(await storedVideos(engine)).toEqual(before);
  });

  it("an upload with no file field → 400; not multipart → 415", async () => {
    const form = new FormData();
    form.set("webhook_url", "https://example.com/hook");
    expectError(
      await engine.api("/api/v1/videos/upload", { method: "POST", body: form }),
      400,
      "validation_error",
    );
    expectError(
      await engine.api("/api/v1/videos/upload", json({ file: "x" })),
      415,
      "unsupported_media_type",
    );
  });

  it("page / page_size out of range → 400", async () => {
    for (const q of ["page=0", "page_size=0", "page_size=101", "page=abc", "page=-1", "status=done"]) {
      expectError(await engine.api(`/api/v1/jobs?${q}`), 400, "validation_error");
    }
    expectError(await engine.api("/api/v1/videos?page_size=500"), 400, "validation_error");
  });
});

describe("authentication with configured keys", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ API_KEYS: "tok_a:tenant_a,tok_b:tenant_b" });
  });
  afterAll(() => engine?.cleanup());

  it("401 without or with a wrong token; tenants see only their own jobs (404)", async () => {
    expectError(await engine.api("/api/v1/jobs"), 401, "unauthorized");
    expectError(
      await engine.api("/api/v1/jobs", { headers: { authorization: "Bearer nope" } }),
      401,
      "unauthorized",
    );
    const dir = await fixtureDir(engine.dataDir);
    const form = new FormData();
    const { openAsBlob } = await import("node:fs");
    form.set("file", await openAsBlob(await makeClip(join(dir, "t.mp4"), { seconds: 2 })), "t.mp4");
    const up = await engine.api("/api/v1/videos/upload", {
      method: "POST",
      body: form,
      headers: { authorization: "Bearer tok_a" },
    });
    expect(up.status).toBe(200);
    const vid = up.body.data.video_id;
    expectError(
      await engine.api(`/api/v1/videos/${vid}`, { headers: { authorization: "Bearer tok_b" } }),
      404,
      "video_not_found",
    );
    expectError(
      await engine.api("/api/v1/jobs", json({ video_id: vid }, { authorization: "Bearer tok_b" })),
      404,
      "video_not_found",
    );
    const job = await engine.api("/api/v1/jobs", json({ video_id: vid }, { authorization: "Bearer tok_a" }));
    expect(job.status).toBe(200);
    expectError(
      await engine.api(`/api/v1/jobs/${job.body.data.job_id}`, {
        headers: { authorization: "Bearer tok_b" },
      }),
      404,
      "job_not_found",
    );
    expect(
      (await engine.api("/api/v1/jobs", { headers: { authorization: "Bearer tok_b" } })).body.total,
    ).toBe(0);
    const cancel = (token: string) =>
      engine.api(`/api/v1/jobs/${job.body.data.job_id}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
    expectError(await cancel("tok_b"), 404, "job_not_found");
    expect((await cancel("tok_a")).status).toBe(200);
  });
});

describe("upload limits bound the work one upload can cause", () => {
  let engine: TestEngine;
  let dir = "";
  beforeAll(async () => {
    engine = await startTestEngine({
      UPLOAD_MAX_DURATION_SECONDS: "2",
      UPLOAD_MAX_PIXELS: String(320 * 180),
      UPLOAD_MAX_FRAME_RATE: "30",
      UPLOAD_MAX_STREAMS: "2",
    });
    dir = await fixtureDir(engine.dataDir);
  });
  afterAll(() => engine?.cleanup());

  it("each limit exceeded → 422 media_limit_exceeded naming it, nothing stored", async () => {
    const cases: [string, Parameters<typeof makeClip>[1], string][] = [
      ["long.mp4", { seconds: 3 }, "max_duration_seconds"],
      ["big.mp4", { seconds: 1, width: 640, height: 360 }, "max_pixels"],
      ["fast.mp4", { seconds: 1, fps: 60 }, "max_frame_rate"],
    ];
    for (const [name, options, limit] of cases) {
      const res = await engine.upload(await makeClip(join(dir, name), options));
      expectError(res, 422, "media_limit_exceeded");
      expect(res.body.error.details.limit).toBe(limit);
      expect(res.body.message).toContain(limit);
    }
    // three streams: the clip's video and audio plus a second audio track
    const clip = await makeClip(join(dir, "ok.mp4"), { seconds: 1 });
    const three = join(dir, "three.mp4");
    await promisify(execFile)("ffmpeg", [
      "-v",
      "error",
      "-y",
      "-i",
      clip,
      "-map",
      "0:v",
      "-map",
      "0:a",
      "-map",
      "0:a",
      "-c",
      "copy",
      three,
    ]);
    const res = await engine.upload(three);
    expectError(res, 422, "media_limit_exceeded");
    expect(res.body.error.details).toMatchObject({ limit: "max_streams", value: 3, max: 2 });
    expect(await storedVideos(engine)).toEqual([]);
    expect((await engine.upload(clip)).status).toBe(200);
  });
});
