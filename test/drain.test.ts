/**
 * The embedded engine as `npm start` runs it (its own process): it answers /healthz, /readyz and
 * /metrics (every service's metrics) on the gateway port, and after a burst of bad requests with
 * an upload still half-sent and idle connections open, SIGTERM makes it exit within its drain
 * deadline (issue 11: it used to hang until SIGKILL).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_STAGE_QUEUES } from "@clipzy/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnEngine } from "./support/engine-process.js";

const DRAIN_TIMEOUT_SECONDS = 6;

let child: ChildProcess;
let exited: Promise<{ code: number | null; at: number }>;
let base = "";
let logFile = "";

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "clipzy-drain-"));
  ({
    child,
    exited,
    base,
    log: logFile,
  } = await spawnEngine(dir, {
    DRAIN_TIMEOUT_SECONDS: String(DRAIN_TIMEOUT_SECONDS),
    RATE_LIMIT_PER_MINUTE: "0",
  }));
});

afterAll(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** A multipart upload that sends its head and some bytes, then never finishes (the socket stays open). */
function hangingUpload(): Promise<void> {
  return new Promise((resolve) => {
    const boundary = "----clipzyHang";
    const req = request(`${base}/api/v1/videos/upload`, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": 10_000_000 },
    });
    req.on("error", () => undefined); // the engine closes it at its deadline
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    req.write(Buffer.alloc(256 * 1024, 1), () => resolve());
  });
}

describe("embedded engine: operational endpoints and a bounded drain", () => {
  it("serves /healthz, /readyz and the metrics of every in-process service on the gateway port", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${base}/readyz`)).json();
    expect(ready.data.checks).toEqual({ broker: "up", document_store: "up", object_store: "up" });
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const q of ALL_STAGE_QUEUES) expect(text).toContain(`clipzy_queue_consumers{queue="${q.name}"} 1`);
    expect(text).toContain("# TYPE clipzy_stage_duration_seconds histogram");
    expect(text).toContain("# TYPE clipzy_jobs_terminal_total counter");
    expect(text).toContain("# TYPE grpc_server_handling_seconds histogram");
  });

  it("exits within its drain deadline after SIGTERM following a burst of bad requests, with a stuck upload open", async () => {
    const hostile = ["%C2%84", "vid%C3%A9", "..%2F..%2Fetc", "%00", "%E2%80%AE", "x".repeat(10_000)];
    const burst: Promise<unknown>[] = [];
    for (const id of hostile) {
      for (const path of [`/api/v1/videos/${id}`, `/api/v1/jobs/${id}`, `/api/v1/jobs/${id}/events`]) {
        burst.push(fetch(base + path).then((r) => r.text()));
      }
      burst.push(
        fetch(`${base}/api/v1/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ video_id: decodeURIComponent(id.replace("%00", "")) }),
        }).then((r) => r.text()),
      );
    }
    for (let i = 0; i < 10; i++) {
      // Uploads aborted by the client mid-body.
      const ac = new AbortController();
      const form = new FormData();
      form.set("file", new Blob([Buffer.alloc(512 * 1024, i)]), "cut.mp4");
      burst.push(
        fetch(`${base}/api/v1/videos/upload`, { method: "POST", body: form, signal: ac.signal }).catch(
          () => 0,
        ),
      );
      setTimeout(() => ac.abort(), 5);
      burst.push(
        fetch(`${base}/api/v1/jobs`, {
          method: "POST",
          body: "{not json",
          headers: { "content-type": "application/json" },
        }),
      );
    }
    const answers = await Promise.allSettled(burst);
    expect(answers.length).toBeGreaterThan(30);
    // Still serving after the burst.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{method="GET",route="[^"]+",status_code="404"\} [1-9]/,
    );

    await hangingUpload();
    const signalled = Date.now();
    child.kill("SIGTERM");
    const { code, at } = await exited;
    const log = await readFile(logFile, "utf8");
    expect(at - signalled, log.slice(-2000)).toBeLessThan((DRAIN_TIMEOUT_SECONDS + 2) * 1000);
    expect(code, log.slice(-2000)).toBe(0);
    expect(log).toContain('"msg":"drained"');
  });
});
