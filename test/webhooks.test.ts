import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { startReceiver } from "./support/receiver.js";
import { expectError } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

/** Waits until the job's (single) webhook delivery is in `state`, and returns it. */
function deliveryIn(engine: TestEngine, jobId: string, state: string, timeoutMs?: number): Promise<any> {
  return waitFor(
    `the delivery of ${jobId} to be ${state}`,
    async () => {
      const [d] = (await engine.api(`/api/v1/jobs/${jobId}/webhook-deliveries`)).body.data.deliveries;
      return d?.state === state ? d : undefined;
    },
    timeoutMs,
  );
}

describe("webhooks: signed, retried, recorded, replayable, and never to private addresses", () => {
  let engine: TestEngine;
  let videoId = "";

  beforeAll(async () => {
    engine = await startTestEngine({ WEBHOOK_TIMEOUT_MS: "500", WEBHOOK_RETRY_BASE_MS: "100" });
    const dir = await fixtureDir(engine.dataDir);
    videoId = (await engine.upload(await makeClip(join(dir, "a.mp4"), { seconds: 2, audio: false }))).body
      .data.video_id;
  });
  afterAll(() => engine?.cleanup());

  it("a receiver that fails twice then succeeds gets it on the third attempt, signed the Standard Webhooks way", async () => {
    const r = await startReceiver((n) => (n <= 2 ? "fail" : "ok"));
    const url = r.url;
    try {
      const job = (
        await engine.api(
          "/api/v1/jobs",
          json({ video_id: videoId, webhook_url: url, config: { mode: "style_only" } }),
        )
      ).body.data;
      const d = await deliveryIn(engine, job.job_id, "delivered");
      expect(d.attempts.map((a: any) => a.status_code)).toEqual([503, 503, 200]);
      for (const a of d.attempts) expect(typeof a.latency_ms).toBe("number");
      expect(d.attempts[0].error).toBe("HTTP 503");
      expect(d.attempts[2].error).toBeNull();
      const { secrets } = (await engine.api("/api/v1/webhooks/secret")).body.data;
      expect(secrets).toHaveLength(1);
      const last = r.got.at(-1)!;
      const verified = new Webhook(secrets[0].secret).verify(
        last.raw,
        last.headers as Record<string, string>,
      ) as any;
      expect(verified.job_id).toBe(job.job_id);
      expect(verified.data.status).toBe("completed");
      // the same message id on every attempt, so receivers can deduplicate
      expect(new Set(r.got.map((g) => g.headers["webhook-id"])).size).toBe(1);
    } finally {
      r.close();
    }
  });

  it("a receiver that never answers gets four attempts, then the delivery fails; replay delivers it once it is back", async () => {
    let up = false;
    const r = await startReceiver(() => (up ? "ok" : "hang"));
    const url = r.url;
    try {
      const job = (
        await engine.api(
          "/api/v1/jobs",
          json({ video_id: videoId, webhook_url: url, config: { mode: "style_only" } }),
        )
      ).body.data;
      const d = await deliveryIn(engine, job.job_id, "failed", 30_000);
      expect(d.attempts).toHaveLength(4);
      for (const a of d.attempts) {
        expect(a.status_code).toBeNull();
        expect(a.error).toMatch(/no response within 500 ms/);
      }
      up = true;
      const replay = await engine.api(`/api/v1/webhook-deliveries/${d.delivery_id}/replay`, {
        method: "POST",
      });
      expect(replay.status).toBe(200);
      expect(replay.body.data.state).toBe("pending");
      const after = await deliveryIn(engine, job.job_id, "delivered");
      expect(after.attempts).toHaveLength(5);
      expect(after.attempts[4].status_code).toBe(200);
      expectError(
        await engine.api("/api/v1/webhook-deliveries/msg_unknown/replay", { method: "POST" }),
        404,
        "not_found",
      );
    } finally {
      r.close();
    }
  });

  it("during a secret rotation both signatures are sent and each verifies", async () => {
    const r = await startReceiver(() => "ok");
    const url = r.url;
    try {
      const before = (await engine.api("/api/v1/webhooks/secret")).body.data.secrets[0].secret;
      const rotated = (await engine.api("/api/v1/webhooks/secret/rotate", { method: "POST" })).body.data
        .secrets;
      expect(rotated).toHaveLength(2);
      expect(rotated[1].secret).toBe(before);
      expect(rotated[1].expires_at).not.toBeNull();
      expect(rotated[0].secret).not.toBe(before);
      await engine.api(
        "/api/v1/jobs",
        json({ video_id: videoId, webhook_url: url, config: { mode: "style_only" } }),
      );
      const got = await waitFor("a signed webhook", () => r.got[0]);
      expect(String(got.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      for (const s of rotated)
        expect(() =>
          new Webhook(s.secret).verify(got.raw, got.headers as Record<string, string>),
        ).not.toThrow();
    } finally {
      r.close();
    }
  });
});

describe("webhook targets on private addresses", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ WEBHOOK_ALLOW_LIST: "" });
  });
  afterAll(() => engine?.cleanup());

  it("are refused at delivery time, and the refusal is recorded", async () => {
    const r = await startReceiver(() => "ok");
    const url = r.url.replace("127.0.0.1", "localhost");
    try {
      const dir = await fixtureDir(engine.dataDir);
      const vid = (await engine.upload(await makeClip(join(dir, "b.mp4"), { seconds: 2, audio: false }))).body
        .data.video_id;
      const job = (
        await engine.api(
          "/api/v1/jobs",
          json({ video_id: vid, webhook_url: url, config: { mode: "style_only" } }),
        )
      ).body.data;
      const d = await deliveryIn(engine, job.job_id, "refused");
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0].error).toMatch(/refused: localhost is a private, loopback or link-local address/);
      expect(r.got).toHaveLength(0);
    } finally {
      r.close();
    }
  });
});
