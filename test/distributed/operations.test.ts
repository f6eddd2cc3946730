/**
 * Operations in distributed mode, on real processes and servers with tracing on (every service
 * started with `--import` of the telemetry register file, exporting OTLP/HTTP protobuf to an
 * in-process receiver): one job is one trace across gateway, jobs, the six stages and the webhook
 * delivery; /metrics moves with a job; /readyz and gRPC health follow the broker connection;
 * SIGTERM drains a worker mid-stage (the task is redone elsewhere) and the gateway mid-upload
 * (the upload completes). The tests share one cluster and run in order.
 */
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { basename, join } from "node:path";
import { STAGE_NAMES } from "@clipzy/contracts";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, WORKER_OF } from "../support/cluster.js";
import { startBroker, stopBroker } from "../support/infra.js";
import { makeClip } from "../support/media.js";
import { type OtlpReceiver, renderTrace, settled, startOtlpReceiver, traceTree } from "../support/otlp.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { sleep, waitFor } from "../support/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");
const REGISTER = join(ROOT, "services", "lib-platform", "dist", "telemetry-register.js");
const DRAIN_TIMEOUT_SECONDS = 15;

let cluster: Cluster;
let otlp: OtlpReceiver;
let hooks: Receiver;
let clip: string;

/** Where a timed-out wait points to. */
const logs = () => `logs: ${cluster.dir}`;

/** Prometheus text → value of each sample (`name{labels}` as written by prom-client). */
async function scrape(name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${await cluster.opsUrl(name)}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const sample = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

/** grpc.health.v1.Health/Check for the whole server (""), by hand: the request is empty, the answer one enum. */
function grpcHealth(port: number): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      () => Buffer.alloc(0),
      (b: Buffer) => b,
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, res?: Buffer) => {
        client.close();
        if (err) return reject(err);
        const status = res && res.length >= 2 && res[0] === 0x08 ? res[1] : 0;
        resolve(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"][status] ?? String(status));
      },
    );
  });
}

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  hooks = await startReceiver();
  cluster = await Cluster.start({
    nodeArgs: ["--import", REGISTER],
    // Ten processes loading the SDK at once on two shared cores take longer than the default.
    readyTimeoutMs: 240_000,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      DRAIN_TIMEOUT_SECONDS: String(DRAIN_TIMEOUT_SECONDS),
      // A worker told to stop releases its running task at once (another instance redoes it).
      STAGE_DRAIN_SECONDS: "0",
    },
  });
  clip = await makeClip(join(cluster.dir, "clip.mp4"), { seconds: 2, width: 160, height: 90 });
});

afterAll(async () => {
  await cluster?.stop();
  await otlp?.close();
  hooks?.close();
});

describe("operations (distributed, tracing on)", () => {
  it("one job is one trace: gateway → jobs → all six stages (ffmpeg as children) → webhook attempt, parents all present; metrics moved", async () => {
    const before = {
      gateway: await scrape("gateway"),
      jobs: await scrape("jobs"),
      webhooks: await scrape("webhooks"),
      renderer: await scrape("renderer-1"),
    };
    const videoId = await cluster.upload(clip);
    const jobId = await cluster.createJob({
      video_id: videoId,
      webhook_url: hooks.url,
      config: { quality: "low" },
    });
    const states = await cluster.poll(jobId);
    expect(states.at(-1).status, JSON.stringify(states.at(-1))).toBe("completed");
    await waitFor("webhook delivered", () => hooks.got.some((h) => h.body.job_id === jobId), {
      detail: logs,
    });

    // The job's trace: the one its first stage task was published in.
    const traceOf = () =>
      otlp.spans.find(
        (s) => s.name === "jobs: start video_analysis" && s.attributes["clipzy.job_id"] === jobId,
      )?.traceId;
    await waitFor(
      "the job's spans exported",
      () => otlp.spans.some((s) => s.name === "webhook attempt" && s.attributes["clipzy.job_id"] === jobId),
      { detail: logs },
    );
    const traceId = traceOf()!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // Wait until every process has exported what it ended (the batch delay is 200 ms).
    await settled(() => otlp.spans.filter((s) => s.traceId === traceId).length);
    const spans = otlp.spans.filter((s) => s.traceId === traceId);
    // The whole trace as text, kept with the cluster's logs (the README shows one).
    await writeFile(join(cluster.dir, "trace.txt"), `${renderTrace(spans)}\n`);
    const { byId, ancestors, roots, dangling } = traceTree(spans);

    // One root: the gateway's HTTP server span of POST /api/v1/jobs; every other parent is in the trace.
    expect(roots.map((r) => [r.service, r.kind, r.attributes["http.route"] ?? r.name])).toEqual([
      ["clipzy-gateway", 2, expect.stringContaining("/api/v1/jobs")],
    ]);
    expect(
      dangling.map((s) => `${s.service}: ${s.name}`),
      "every parent span is in the trace",
    ).toEqual([]);

    // The gateway called the jobs service over gRPC: the server span's parent is the gateway's client span.
    const create = spans.find((s) => s.service === "clipzy-jobs" && s.name.endsWith("JobService/CreateJob"))!;
    expect(create, "jobs' CreateJob server span").toBeDefined();
    expect(byId.get(create.parentSpanId)?.service).toBe("clipzy-gateway");

    for (const stage of STAGE_NAMES) {
      const span = spans.find((s) => s.name === `stage ${stage}`);
      expect(span, `stage ${stage} span`).toBeDefined();
      expect(span!.service).toBe(`clipzy-${WORKER_OF[stage]}`);
      expect(span!.attributes["clipzy.outcome"]).toBe("done");
      const chain = ancestors(span!);
      expect(
        chain.some((a) => a.service === "clipzy-jobs" && a.name === `jobs: start ${stage}`),
        `stage ${stage} descends from the jobs service publishing it`,
      ).toBe(true);
      expect(chain.at(-1), `stage ${stage} reaches the root`).toBe(roots[0]);
    }
    // ffmpeg runs are children of stage spans, with their arguments' shape and no paths or URLs.
    const ffmpeg = spans.filter((s) => s.name === "ffmpeg" || s.name === "ffprobe");
    expect(ffmpeg.length).toBeGreaterThanOrEqual(3);
    for (const f of ffmpeg) {
      expect(ancestors(f).some((a) => a.name.startsWith("stage "))).toBe(true);
      const shape = String(f.attributes["clipzy.process.args_shape"]);
      expect(shape).toMatch(/<path>/);
      expect(shape).not.toMatch(/https?:|X-Amz|\/tmp\/|clipzy-c/);
    }
    const render = ffmpeg.find((f) => byId.get(f.parentSpanId)?.name === "stage rendering");
    expect(render, "rendering ran ffmpeg").toBeDefined();

    const attempt = spans.find((s) => s.name === "webhook attempt")!;
    expect(attempt.service).toBe("clipzy-webhooks");
    expect(attempt.attributes["clipzy.webhook.state"]).toBe("delivered");
    expect(ancestors(attempt).some((a) => a.service === "clipzy-jobs" && a.name === "jobs: completed")).toBe(
      true,
    );
    // Its HTTP request to the receiver is its child.
    expect(spans.some((s) => s.parentSpanId === attempt.spanId && s.kind === 3)).toBe(true);

    // Health checks and scrapes are not traced.
    expect(
      otlp.spans.some((s) =>
        /healthz|readyz|metrics|grpc\.health/.test(`${s.name} ${s.attributes["http.target"] ?? ""}`),
      ),
    ).toBe(false);

    // Log lines about the job carry the trace.
    const done = (await cluster.logLines("renderer-1")).find(
      (l) => l.msg === "stage done" && l.job_id === jobId,
    );
    expect(done?.trace_id).toBe(traceId);
    expect(done?.span_id).toBe(spans.find((s) => s.name === "stage rendering")!.spanId);

    // Metrics moved with the job.
    const after = {
      gateway: await scrape("gateway"),
      jobs: await scrape("jobs"),
      webhooks: await scrape("webhooks"),
      renderer: await scrape("renderer-1"),
    };
    const moved = (m: keyof typeof before, key: string) => sample(after[m], key) - sample(before[m], key);
    expect(moved("jobs", 'clipzy_jobs_terminal_total{status="completed"}')).toBe(1);
    expect(
      moved(
        "jobs",
        'grpc_server_handling_seconds_count{grpc_service="clipzy.v1.JobService",grpc_method="CreateJob",grpc_code="OK"}',
      ),
    ).toBe(1);
    expect(
      moved(
        "gateway",
        'http_server_request_duration_seconds_count{method="POST",route="/api/v1/jobs",status_code="200"}',
      ),
    ).toBe(1);
    expect(moved("renderer", 'clipzy_stage_duration_seconds_count{stage="rendering",outcome="done"}')).toBe(
      1,
    );
    expect(moved("webhooks", 'clipzy_webhook_attempts_total{outcome="delivered"}')).toBe(1);
    expect(sample(after.renderer, 'clipzy_queue_consumers{queue="stage.rendering"}')).toBe(1);
    expect(sample(after.renderer, 'clipzy_queue_messages{queue="stage.rendering"}')).toBe(0);
    expect(
      after.renderer.has('clipzy_stage_duration_seconds_bucket{le="1800",stage="rendering",outcome="done"}'),
    ).toBe(true);
  });

  it("/readyz and gRPC health turn unready while RabbitMQ is down and ready again after it returns", async () => {
    const watched = ["jobs", "webhooks", "renderer-1"];
    const ready = async (name: string) => (await fetch(`${await cluster.opsUrl(name)}/readyz`)).status;
    for (const n of [...watched, "gateway"]) expect(await ready(n), n).toBe(200);
    expect(await grpcHealth(cluster.ports.jobs)).toBe("SERVING");
    await stopBroker();
    try {
      for (const n of watched)
        await waitFor(`${n} unready`, async () => (await ready(n)) === 503, {
          timeoutMs: 30_000,
          detail: logs,
        });
      const body = await (await fetch(`${await cluster.opsUrl("renderer-1")}/readyz`)).json();
      expect(body.error.code).toBe("unavailable");
      expect(body.error.details.checks.broker).not.toBe("up");
      expect(body.error.details.checks.object_store).toBe("up");
      await waitFor(
        "jobs' gRPC health NOT_SERVING",
        async () => (await grpcHealth(cluster.ports.jobs)) === "NOT_SERVING",
        { detail: logs },
      );
      // The gateway needs no broker: it stays ready.
      expect(await ready("gateway")).toBe(200);
      expect((await fetch(`${cluster.base}/readyz`)).status).toBe(200);
    } finally {
      await startBroker();
    }
    for (const n of watched)
      await waitFor(`${n} ready again`, async () => (await ready(n)) === 200, {
        timeoutMs: 60_000,
        detail: logs,
      });
    await waitFor(
      "jobs' gRPC health SERVING",
      async () => (await grpcHealth(cluster.ports.jobs)) === "SERVING",
      { detail: logs },
    );
    await cluster.ready();
  });

  it("SIGTERM to a worker mid-stage: it releases the task and exits, another instance redoes it, the job completes", async () => {
    const long = await makeClip(join(cluster.dir, "long.mp4"), { seconds: 8, width: 640, height: 360 });
    const videoId = await cluster.upload(long);
    cluster.startWorker("rendering", 2);
    await waitFor("two renderers", async () => (await cluster.consumerCounts())["stage.rendering"] === 2, {
      detail: logs,
    });
    const jobId = await cluster.createJob({ video_id: videoId, config: { quality: "high" } });
    let victim = "";
    let other = "";
    let exit: Promise<number | null> | undefined;
    let signalledAt = 0;
    const states = await cluster.poll(jobId, {
      intervalMs: 20,
      onState: async (j) => {
        if (!exit && j.current_stage === "rendering" && j.progress_percent > 86) {
          // Whichever instance took the task is told to stop.
          for (const name of ["renderer-1", "renderer-2"]) {
            const lines = await cluster.logLines(name);
            if (lines.some((l) => l.msg === "stage started" && l.job_id === jobId)) victim = name;
            else other = name;
          }
          signalledAt = Date.now();
          exit = cluster.procs.get(victim)!.exited;
          cluster.procs.get(victim)!.child.kill("SIGTERM");
        }
      },
    });
    expect(exit, "the worker was signalled during its stage").toBeDefined();
    expect(await exit, "graceful exit").toBe(0);
    expect(states.at(-1).status, JSON.stringify(states.at(-1))).toBe("completed");
    const lines = await cluster.logLines(victim);
    expect(
      lines.some((l) => l.msg === "stage released for redelivery: worker stopping" && l.job_id === jobId),
    ).toBe(true);
    const drained = lines.find((l) => l.msg === "drained");
    expect(drained?.code).toBe(0);
    expect(new Date(drained.time).getTime() - signalledAt).toBeLessThan(DRAIN_TIMEOUT_SECONDS * 1000);
    const done = (await cluster.stageDone()).filter((d) => d.job === jobId && d.stage === "rendering");
    expect(done.map((d) => d.worker)).toEqual([other]);
  });

  it("SIGTERM to the gateway during an upload: the upload completes, new connections are refused, the gateway exits", async () => {
    const file = await readFile(clip);
    const boundary = "----clipzyDrainTest";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(clip)}"\r\n` +
        "Content-Type: video/mp4\r\n\r\n",
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const half = Math.floor(file.length / 2);
    const gateway = cluster.procs.get("gateway")!;
    const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        `${cluster.base}/api/v1/videos/upload`,
        {
          method: "POST",
          headers: {
            "content-type": `multipart/form-data; boundary=${boundary}`,
            "content-length": head.length + file.length + tail.length,
          },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.write(head);
      req.write(file.subarray(0, half));
      // Half the file is in; the gateway is told to stop, then the rest arrives.
      setTimeout(async () => {
        gateway.child.kill("SIGTERM");
        await waitFor(
          "gateway draining",
          async () => (await cluster.logLines("gateway")).some((l) => l.msg === "draining"),
          { detail: logs },
        ).catch(reject);
        // Draining: a new connection is refused, the open upload goes on.
        await expect(fetch(`${cluster.base}/healthz`)).rejects.toThrow();
        await sleep(500);
        req.end(Buffer.concat([file.subarray(half), tail]));
      }, 300);
    });
    const res = await response;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const videoId = res.body.data.video_id;
    expect(await gateway.exited, "the gateway exits cleanly after the upload").toBe(0);
    cluster.startService("gateway");
    await waitFor(
      "gateway back",
      () =>
        fetch(`${cluster.base}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 120_000, detail: logs },
    );
    const got = await cluster.api(`/api/v1/videos/${videoId}`);
    expect(got.status).toBe(200);
    expect(got.body.data.metadata.duration_seconds).toBeGreaterThan(1.5);
  });
});
