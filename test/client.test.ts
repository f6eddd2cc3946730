import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ApiError,
  createClipzyClient,
  followJobEvents,
  type JobEvent,
  unwrap,
  uploadVideo,
} from "@clipzy/client";
import { verifyWebhook } from "@clipzy/client/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED, REGENERATE, renderClientTypes } from "../scripts/gen-client.mjs";
import { startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { closedPort } from "./support/proxy.js";
import { startReceiver } from "./support/receiver.js";
import { waitFor } from "./support/wait.js";

const ROOT = join(import.meta.dirname, "..");

describe("the typed client (@clipzy/client)", () => {
  let engine: TestEngine;
  let clip = "";

  beforeAll(async () => {
    engine = await startTestEngine();
    clip = await makeClip(join(await fixtureDir(engine.dataDir), "c.mp4"), { seconds: 2, audio: false });
  });
  afterAll(() => engine?.cleanup());

  const client = () => createClipzyClient({ baseUrl: `http://127.0.0.1:${engine.port}` });

  it("its generated types are those of the document the gateway serves", async () => {
    const served = await (await fetch(`http://127.0.0.1:${engine.port}/api/v1/openapi.json`)).json();
    const committed = await readFile(join(ROOT, GENERATED), "utf8");
    const fresh = await renderClientTypes(served);
    if (fresh !== committed) {
      // Other changes to the document land in parallel: say how to bring the client up to date.
      expect.fail(
        `${GENERATED} does not match the OpenAPI document the gateway serves. ` +
          `Run \`${REGENERATE}\` and commit the result.`,
      );
    }
  });

  it("uploads over tus, follows a job's events and resumes them with Last-Event-ID", async () => {
    const c = client();
    const { video, resumedFrom } = await uploadVideo(c, createReadStream(clip), { filename: "c.mp4" });
    expect(video.video_id).toMatch(/^vid_/);
    expect(resumedFrom).toBe(0);
    const job = await unwrap(
      c.api.POST("/jobs", { body: { video_id: video.video_id, config: { mode: "style_only" } } }),
    );
    const first: JobEvent[] = [];
    for await (const e of followJobEvents(c, job.job_id)) {
      first.push(e);
      if (first.length === 2) break; // the client goes away after two events
    }
    const rest: JobEvent[] = [];
    for await (const e of followJobEvents(c, job.job_id, { lastEventId: first[1].id })) rest.push(e);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest[0].id).toBeGreaterThan(first[1].id); // nothing repeated
    expect(rest.at(-1)!.type).toBe("completed");
    const ids = [...first, ...rest].map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const progress = [...first, ...rest].map((e) => e.job.progress_percent);
    expect(progress.at(-1)).toBe(100);
  });

  it("API errors are ApiErrors with the envelope's message; an unreachable engine is one too", async () => {
    const err = await unwrap(
      client().api.GET("/jobs/{job_id}", { params: { path: { job_id: "job_doesnotexist1" } } }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.code).toBe("job_not_found");
    expect(err.message).toContain("job_doesnotexist1");
    const port = await closedPort();
    const down = createClipzyClient({ baseUrl: `http://127.0.0.1:${port}` });
    const e2 = await unwrap(down.api.GET("/jobs")).catch((e) => e);
    expect(e2).toBeInstanceOf(ApiError);
    expect(e2.status).toBe(0);
    expect(e2.message).toMatch(/cannot reach the engine at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it("webhook verification accepts a real delivery and refuses a tampered one", async () => {
    const r = await startReceiver();
    try {
      const c = client();
      const { video_id } = (await engine.upload(clip)).body.data;
      const job = await unwrap(
        c.api.POST("/jobs", { body: { video_id, webhook_url: r.url, config: { mode: "style_only" } } }),
      );
      await waitFor("a webhook", () => r.got.length > 0, 30_000);
      const got = r.got[0];
      const { secrets } = await unwrap(c.api.GET("/webhooks/secret"));
      const keys = secrets.map((s) => s.secret);
      const payload = verifyWebhook(keys, got.raw, got.headers);
      expect(payload.job_id).toBe(job.job_id);
      expect(payload.status).toBe("completed");
      // the same headers over a changed body, and the real body under a changed id, are refused
      const tampered = got.raw.replace('"completed"', '"failed"');
      expect(tampered).not.toBe(got.raw);
      expect(() => verifyWebhook(keys, tampered, got.headers)).toThrow(/signature/i);
      expect(() =>
        verifyWebhook(keys, got.raw, { ...got.headers, "webhook-id": `${got.headers["webhook-id"]}x` }),
      ).toThrow(/signature/i);
      // a secret that is not the tenant's refuses it too
      const other = `whsec_${Buffer.from("another-secret-0123456789").toString("base64")}`;
      expect(() => verifyWebhook(other, got.raw, got.headers)).toThrow(/signature/i);
    } finally {
      r.close();
    }
  });
});
