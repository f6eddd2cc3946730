/**
 * Tracing in embedded mode (`npm start`, one process, in-process gRPC clients and broker): one job
 * is one trace of the same shape as in distributed mode (test/distributed/operations.test.ts),
 * with the gRPC client and server span pair between gateway, jobs and upload although no call
 * crosses the network.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STAGE_NAMES } from "@clipzy/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnEngine } from "./support/engine-process.js";
import { makeClip } from "./support/media.js";
import { type OtlpReceiver, settled, startOtlpReceiver, traceTree } from "./support/otlp.js";
import { waitFor } from "./support/wait.js";

const ROOT = join(import.meta.dirname, "..");
const CLIENT = 3;
const SERVER = 2;

let otlp: OtlpReceiver;
let child: ChildProcess;
let dir = "";
let base = "";

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), "clipzy-trace-"));
  const register = join(ROOT, "services", "lib-platform", "dist", "telemetry-register.js");
  ({ child, base } = await spawnEngine(
    dir,
    {
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "warn",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "200",
    },
    ["--import", register],
  ));
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
  await otlp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("tracing in embedded mode", () => {
  it("one job is one trace: HTTP → gRPC client and server spans → all six stages, parents all present", async () => {
    const clip = await makeClip(join(dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
    const form = new FormData();
    form.append("file", await openAsBlob(clip), "clip.mp4");
    const upload = await (await fetch(`${base}/api/v1/videos/upload`, { method: "POST", body: form })).json();
    const created = await (
      await fetch(`${base}/api/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ video_id: upload.data.video_id, config: { quality: "low" } }),
      })
    ).json();
    const jobId: string = created.data.job_id;
    await waitFor(
      "the job to complete",
      async () => {
        const job = (await (await fetch(`${base}/api/v1/jobs/${jobId}`)).json()).data;
        expect(job.status, JSON.stringify(job)).not.toMatch(/failed|cancelled/);
        return job.status === "completed";
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    const traceId = () =>
      otlp.spans.find((s) => s.name === "jobs: completed" && s.attributes["clipzy.job_id"] === jobId)
        ?.traceId;
    await settled(() => (traceId() ? otlp.spans.filter((s) => s.traceId === traceId()).length : 0));
    const spans = otlp.spans.filter((s) => s.traceId === traceId());
    const { byId, ancestors, roots, dangling } = traceTree(spans);

    expect(roots.map((r) => [r.kind, r.attributes["http.route"] ?? r.name])).toEqual([
      [SERVER, expect.stringContaining("/api/v1/jobs")],
    ]);
    expect(
      dangling.map((s) => s.name),
      "every parent span is in the trace",
    ).toEqual([]);
    // gateway → jobs: CreateJob as a client span with its server span as child; jobs → upload inside it
    const create = spans.find((s) => s.name === "grpc.clipzy.v1.JobService/CreateJob" && s.kind === SERVER);
    expect(create, "CreateJob server span").toBeDefined();
    const caller = byId.get(create!.parentSpanId)!;
    expect([caller.name, caller.kind]).toEqual([create!.name, CLIENT]);
    expect(caller.attributes["rpc.method"]).toBe("CreateJob");
    const getVideo = spans.find(
      (s) => s.name === "grpc.clipzy.v1.UploadService/GetVideo" && s.kind === SERVER,
    );
    expect(getVideo && ancestors(getVideo).includes(create!), "GetVideo inside CreateJob").toBe(true);
    for (const stage of STAGE_NAMES) {
      const span = spans.find((s) => s.name === `stage ${stage}`);
      expect(span, `stage ${stage} span`).toBeDefined();
      expect(span!.attributes["clipzy.outcome"]).toBe("done");
      expect(ancestors(span!).at(-1), `stage ${stage} reaches the root`).toBe(roots[0]);
    }
  }, 180_000);
});
