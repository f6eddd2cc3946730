/**
 * Distributed mode for tests: every service is its own OS process (`node services/<svc>/dist/main.js`)
 * configured only by environment, on the real RabbitMQ, MongoDB-protocol server and MinIO that the
 * `distributed` project's globalSetup started. Each cluster gets its own RabbitMQ virtual host,
 * database and bucket, so clusters never see each other's queues or data. Logs go to files under
 * the cluster's directory (printed on failure).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { openAsBlob, openSync, readFileSync, renameSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ALL_STAGE_QUEUES, EXCHANGE, STAGE_NAMES, type StageName } from "@clipzy/contracts";
import amqp from "amqplib";
// @ts-expect-error: plain ESM script without type declarations
import { addVhost, withFreePorts } from "../../scripts/infra.mjs";
import type { InfraInfo } from "./infra.js";
import { sleep, waitFor } from "./wait.js";

const ROOT = join(import.meta.dirname, "..", "..");

export const WORKER_OF: Record<StageName, string> = {
  video_analysis: "video-analyzer",
  audio_analysis: "audio-analyzer",
  motion_analysis: "motion-analyzer",
  style_extraction: "style-extractor",
  style_application: "style-applier",
  rendering: "renderer",
};

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  readonly exited: Promise<number | null>;
  /** Stopped on purpose (kill): its exit is no failure to start. */
  killed?: boolean;
}

const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = tcpConnect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

export interface ClusterOptions {
  /** Instances of each stage worker. Default 1. */
  workers?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** The real servers; default: the ones the `distributed` project's globalSetup started. */
  infra?: InfraInfo;
  /** Node options before each service's main (e.g. `--import` of the telemetry register file). */
  nodeArgs?: string[];
  /** How long the services may take to come up. Default 60 s. */
  readyTimeoutMs?: number;
}

export class Cluster {
  readonly procs = new Map<string, Proc>();
  readonly env: Record<string, string>;
  readonly ports: { upload: number; jobs: number; webhooks: number; gateway: number };
  readonly base: string;
  /** RabbitMQ URL of this cluster's virtual host, for inspecting or injecting messages. */
  readonly brokerUrl: string;
  readonly mongoUrl: string;
  readonly bucket: string;

  private constructor(
    readonly id: string,
    readonly dir: string,
    ports: Cluster["ports"],
    extra: Record<string, string>,
    readonly infra: InfraInfo,
    readonly nodeArgs: string[] = [],
  ) {
    const real = infra.env;
    const broker = new URL(real.BROKER_URL);
    broker.pathname = `/${id}`;
    const mongo = new URL(real.MONGO_URL);
    mongo.pathname = `/${id.replace(/-/g, "_")}`;
    const store = new URL(real.OBJECT_STORE_URL);
    store.pathname = `/${id}`;
    this.brokerUrl = broker.href;
    this.mongoUrl = mongo.href;
    this.bucket = id;
    this.ports = ports;
    this.base = `http://127.0.0.1:${ports.gateway}`;
    this.env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dir,
      LOG_LEVEL: "info",
      BROKER_URL: broker.href,
      MONGO_URL: mongo.href,
      OBJECT_STORE_URL: store.href,
      UPLOAD_ADDRESS: `127.0.0.1:${ports.upload}`,
      JOBS_ADDRESS: `127.0.0.1:${ports.jobs}`,
      WEBHOOKS_ADDRESS: `127.0.0.1:${ports.webhooks}`,
      GRPC_HOST: "127.0.0.1",
      WEBHOOK_ALLOW_LIST: "127.0.0.0/8,::1",
      WEBHOOK_RETRY_BASE_MS: "100",
      STAGE_MAX_DELIVERIES: "5",
      // tests poll fast; 0 turns the per-token limit off
      RATE_LIMIT_PER_MINUTE: "0",
      // every process serves /metrics, /healthz, /readyz on a port of its own: port 0, the one it
      // got is read back from its log (opsUrl)
      METRICS_HOST: "127.0.0.1",
      METRICS_PORT: "0",
      ...extra,
    };
  }

  /**
   * Starts every service on ports picked just before (the gRPC services and the gateway are
   * addressed by the others, so their ports are known before they start); when one was taken
   * before its service bound it, everything is stopped and started again on new ports
   * (withFreePorts, the retry every test server goes through). The failed attempt's logs are
   * kept beside the new ones as `<name>.port-clash-<n>.log`.
   */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const id = `c${randomUUID().slice(0, 8)}`;
    const dir = await mkdtemp(join(tmpdir(), `clipzy-${id}-`));
    const real = options.infra ?? (await import("./infra.js")).infra();
    addVhost(JSON.parse(readFileSync(real.stateFile, "utf8")), id);
    let attempt = 0;
    return withFreePorts("the cluster's services", 4, async ([upload, jobs, webhooks, gateway]: number[]) => {
      attempt++;
      const c = new Cluster(
        id,
        dir,
        { upload, jobs, webhooks, gateway },
        options.env ?? {},
        real,
        options.nodeArgs,
      );
      try {
        for (const service of ["upload", "jobs", "webhooks", "gateway"]) c.startService(service);
        for (const stage of STAGE_NAMES) {
          for (let i = 1; i <= (options.workers ?? 1); i++) c.startWorker(stage, i);
        }
        await c.ready(options.readyTimeoutMs);
      } catch (err) {
        await c.stop();
        for (const p of c.procs.values())
          renameSync(p.log, p.log.replace(/\.log$/, `.port-clash-${attempt}.log`));
        throw new Error(`${(err as Error).message}\nlogs: ${dir}`);
      }
      return c;
    });
  }

  /**
   * Spawns `services/<service>/dist/main.js` with only the cluster's environment; `cpus` (a
   * taskset list such as "0" or "0-1") pins the process to those cores. A gRPC service or the
   * gateway started again binds its first port, which its clients know (the port is below the
   * ephemeral range, so no outgoing connection takes it meanwhile).
   */
  startService(service: string, name = service, env: Record<string, string> = {}, cpus?: string): Proc {
    const prev = this.procs.get(name);
    if (prev && prev.child.exitCode === null && prev.child.signalCode === null) {
      throw new Error(`${name} is already running`);
    }
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, "a");
    const serviceEnv: Record<string, string> = { ...this.env, ...env };
    if (service === "upload") serviceEnv.GRPC_PORT = String(this.ports.upload);
    if (service === "jobs") serviceEnv.GRPC_PORT = String(this.ports.jobs);
    if (service === "webhooks") serviceEnv.GRPC_PORT = String(this.ports.webhooks);
    if (service === "gateway") {
      serviceEnv.PORT = String(this.ports.gateway);
      serviceEnv.HOST = "127.0.0.1";
    }
    const main = [process.execPath, ...this.nodeArgs, join(ROOT, "services", service, "dist", "main.js")];
    const [cmd, ...args] = cpus ? ["taskset", "-c", cpus, ...main] : main;
    const child = spawn(cmd, args, {
      cwd: this.dir,
      env: serviceEnv,
      stdio: ["ignore", fd, fd],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const proc: Proc = { name, child, log, exited };
    this.procs.set(name, proc);
    return proc;
  }

  startWorker(stage: StageName, instance = 1, env: Record<string, string> = {}, cpus?: string): Proc {
    return this.startService(WORKER_OF[stage], `${WORKER_OF[stage]}-${instance}`, env, cpus);
  }

  /** Sends a signal (SIGKILL: `kill -9`) and waits for the process to be gone. */
  async kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.procs.get(name);
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.killed = true;
    p.child.kill(signal);
    await p.exited;
  }

  /** Waits until every gRPC service and the gateway accept connections and every stage queue has its consumers. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const check = (what: string, ok: () => Promise<boolean>) =>
      waitFor(
        what,
        async () => {
          for (const p of this.procs.values()) {
            if (p.child.exitCode !== null && !p.killed) {
              const tail = readFileSync(p.log, "utf8").split("\n").slice(-20).join("\n");
              throw new Error(`${p.name} exited (${p.child.exitCode}) while starting; log tail:\n${tail}`);
            }
          }
          return ok().catch(() => false);
        },
        { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 100, detail: () => "cluster not ready" },
      );
    await check("gRPC ports", async () =>
      (await Promise.all([this.ports.upload, this.ports.jobs, this.ports.webhooks].map(tcpOpen))).every(
        Boolean,
      ),
    );
    await check("gateway", async () => (await fetch(`${this.base}/healthz`)).ok);
    const expected = new Map<string, number>();
    for (const name of this.procs.keys()) {
      const stage = STAGE_NAMES.find((s) => name.startsWith(`${WORKER_OF[s]}-`));
      const child = this.procs.get(name)!.child;
      if (stage && child.exitCode === null && child.signalCode === null) {
        expected.set(`stage.${stage}`, (expected.get(`stage.${stage}`) ?? 0) + 1);
      }
    }
    await check("stage consumers", async () => {
      const counts = await this.consumerCounts();
      return [...expected].every(([q, n]) => (counts[q] ?? 0) >= n);
    });
  }

  /** Consumers and ready messages of every stage queue, read from RabbitMQ. */
  async queueStats(): Promise<Record<string, { consumers: number; messages: number }>> {
    const conn = await amqp.connect(this.brokerUrl);
    try {
      const out: Record<string, { consumers: number; messages: number }> = {};
      for (const q of ALL_STAGE_QUEUES) {
        const ch = await conn.createChannel();
        ch.on("error", () => undefined);
        try {
          const r = await ch.checkQueue(q.name);
          out[q.name] = { consumers: r.consumerCount, messages: r.messageCount };
          await ch.close();
        } catch {
          out[q.name] = { consumers: 0, messages: 0 };
        }
      }
      return out;
    } finally {
      await conn.close();
    }
  }

  /**
   * Counts every message published on the exchange from now on, by routing key (a queue of its
   * own bound to "#", so the services' queues are untouched); `close` stops counting.
   */
  async tapMessages(): Promise<{ counts: Record<string, number>; close: () => Promise<void> }> {
    const counts: Record<string, number> = {};
    const conn = await amqp.connect(this.brokerUrl);
    const ch = await conn.createChannel();
    await ch.assertExchange(EXCHANGE, "topic", { durable: true });
    const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, EXCHANGE, "#");
    await ch.consume(
      queue,
      (m) => {
        if (m) counts[m.fields.routingKey] = (counts[m.fields.routingKey] ?? 0) + 1;
      },
      { noAck: true },
    );
    return { counts, close: () => conn.close() };
  }

  async consumerCounts(): Promise<Record<string, number>> {
    const stats = await this.queueStats();
    return Object.fromEntries(Object.entries(stats).map(([q, s]) => [q, s.consumers]));
  }

  async api(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, headers: res.headers };
  }

  async upload(file: string, fields: Record<string, string> = {}): Promise<string> {
    const form = new FormData();
    form.set("file", await openAsBlob(file), basename(file));
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const r = await this.api("/api/v1/videos/upload", { method: "POST", body: form });
    if (r.status !== 201 && r.status !== 200)
      throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.video_id;
  }

  async createJob(body: Record<string, unknown>): Promise<string> {
    const r = await this.api("/api/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status !== 201 && r.status !== 200)
      throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.job_id;
  }

  /** Polls GET /jobs/{id} until the job is terminal; every state seen, in order. Survives gateway/jobs hiccups. */
  async poll(
    jobId: string,
    options: { intervalMs?: number; timeoutMs?: number; onState?: (j: any) => void | Promise<void> } = {},
  ): Promise<any[]> {
    const { intervalMs = 100, timeoutMs = 150_000 } = options;
    const seen: any[] = [];
    await waitFor(
      `job ${jobId} to finish`,
      async () => {
        const r = await this.api(`/api/v1/jobs/${jobId}`).catch(() => undefined);
        if (r?.status !== 200) return false;
        seen.push(r.body.data);
        await options.onState?.(r.body.data);
        return ["completed", "failed", "cancelled"].includes(r.body.data.status);
      },
      { timeoutMs, intervalMs, detail: () => `last: ${JSON.stringify(seen.at(-1))}; logs: ${this.dir}` },
    );
    return seen;
  }

  /** `http://127.0.0.1:<METRICS_PORT>` of a running process, read from its "metrics listening" log line. */
  async opsUrl(name: string, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      `${name}'s metrics port`,
      async () => {
        const line = (await this.logLines(name)).filter((l) => l.msg === "metrics listening").at(-1);
        return line && `http://127.0.0.1:${line.port}`;
      },
      { timeoutMs, intervalMs: 100, detail: () => `logs: ${this.dir}` },
    );
  }

  /** Parsed JSON log lines of one process. */
  async logLines(name: string): Promise<any[]> {
    const p = this.procs.get(name);
    const text = await readFile(p?.log ?? join(this.dir, `${name}.log`), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
  }

  /** Every "stage done" line of every worker instance: who finished which (job, stage, and part for a part of one). */
  async stageDone(): Promise<{ worker: string; job: string; stage: string; part?: string }[]> {
    const out: { worker: string; job: string; stage: string; part?: string }[] = [];
    for (const name of this.procs.keys()) {
      if (!STAGE_NAMES.some((s) => name.startsWith(`${WORKER_OF[s]}-`))) continue;
      for (const l of await this.logLines(name)) {
        if (l.msg === "stage done") out.push({ worker: name, job: l.job_id, stage: l.stage, part: l.part });
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    const live = [...this.procs.values()].filter(
      (p) => p.child.exitCode === null && p.child.signalCode === null,
    );
    for (const p of live) p.child.kill("SIGTERM");
    const all = Promise.all(live.map((p) => p.exited));
    const timeout = sleep(10_000).then(() => "timeout" as const);
    if ((await Promise.race([all, timeout])) === "timeout") {
      for (const p of live) if (p.child.exitCode === null) p.child.kill("SIGKILL");
      await all;
    }
  }
}
