import { create } from "@bufbuild/protobuf";
import { AppError } from "@clipzy/contracts";
import { GetJobResponseSchema, JobService, UploadService } from "@clipzy/proto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../../test/support/wait.js";
import {
  addService,
  type ClientOptions,
  createClient,
  createServer,
  listen,
  localClient,
  type ServiceImpl,
  serveGrpc,
  shutdown,
} from "./grpc.js";
import type { Logger } from "./log.js";

const internalErrors: unknown[] = [];
/** One reply message answered to every call for job "memo" (a memoized reply, as the jobs service's). */
const memoReply = create(GetJobResponseSchema, { job: { jobId: "memo", status: "queued" } });
/** Set when the service saw the cancellation of a call for video "hang". */
let sawCancel: (reason: unknown) => void = () => {};
/** Server side of the streaming test: set when the server's generator finished. */
let streamClosed: () => void = () => {};

const jobsImpl: ServiceImpl<typeof JobService> = {
  async createJob() {
    throw new Error("bug with secret internals");
  },
  async getJob(req) {
    if (req.jobId === "missing") throw new AppError("job_not_found", "no such job", { job_id: req.jobId });
    if (req.jobId === "memo") return memoReply;
    // echoes any id back in the error's message and details, whatever characters it holds
    if (req.jobId.startsWith("echo:"))
      throw new AppError("job_not_found", `no job ${req.jobId}`, { job_id: req.jobId });
    return { job: { jobId: req.jobId, tenantId: req.tenantId, status: "queued", progressPercent: 7 } };
  },
  async listJobs(req) {
    return { jobs: [], total: req.page * 1000 };
  },
  async cancelJob() {
    return {};
  },
  async countActiveJobs(req, ctx) {
    if (req.videoId === "slow") await sleep(1000);
    if (req.videoId === "hang") {
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      sawCancel(ctx.signal.reason);
    }
    return { count: 0 };
  },
  async *watchJobEvents(req, ctx) {
    if (req.jobId === "missing") throw new AppError("job_not_found", "no such job");
    try {
      for (let seq = 1; seq <= Number(req.afterSeq); seq++) yield { seq: BigInt(seq) };
      // then an endless stream until the client hangs up
      while (!ctx.signal.aborted) {
        yield { seq: 0n };
        await sleep(5);
      }
    } finally {
      streamClosed();
    }
  },
};

const uploadImpl: ServiceImpl<typeof UploadService> = {
  async upload(requests) {
    let filename = "";
    let bytes = 0;
    for await (const r of requests) {
      if (r.part.case === "header") filename = r.part.value.filename;
      else if (r.part.case === "chunk") bytes += r.part.value.length;
    }
    return { video: { filename, fileSizeBytes: BigInt(bytes) } };
  },
  async getVideo() {
    return {};
  },
  async listVideos() {
    return { videos: [], total: 0 };
  },
  async deleteVideo() {
    return {};
  },
};

const server = createServer();
let port = 0;
beforeAll(async () => {
  addService(server, JobService, jobsImpl, { onInternalError: (e) => internalErrors.push(e) });
  addService(server, UploadService, uploadImpl);
  port = await listen(server, "127.0.0.1", 0);
});
afterAll(() => shutdown(server));

/** The same contract over both transports: grpc-js on loopback, and a client in this process. */
const transports = [
  {
    name: "grpc-js on loopback",
    jobs: (o?: ClientOptions) => createClient(JobService, `127.0.0.1:${port}`, o),
    upload: () => createClient(UploadService, `127.0.0.1:${port}`),
  },
  {
    name: "in process (localClient)",
    jobs: (o?: ClientOptions) =>
      localClient(JobService, jobsImpl, { ...o, onInternalError: (e) => internalErrors.push(e) }),
    upload: () => localClient(UploadService, uploadImpl),
  },
];

describe.each(transports)("protobuf-es ↔ grpc-js bridge: $name", (transport) => {
  it("round-trips a unary call with typed messages", async () => {
    const jobs = transport.jobs();
    const res = await jobs.getJob({ tenantId: "t1", jobId: "job_1" });
    expect(res.job?.jobId).toBe("job_1");
    expect(res.job?.progressPercent).toBe(7);
    expect((await jobs.listJobs({ page: 3 })).total).toBe(3000);
    jobs.close();
  });

  it("carries AppError code, message and details across the wire", async () => {
    const jobs = transport.jobs();
    const err = await jobs.getJob({ jobId: "missing" }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("job_not_found");
    expect(err.message).toBe("no such job");
    expect(err.details).toEqual({ job_id: "missing" });
    jobs.close();
  });

  it("carries errors holding any Unicode (the bytes of /videos/%C2%84 used to crash the server)", async () => {
    const jobs = transport.jobs();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (tail) => {
        const jobId = `echo:${tail}`;
        const err = await jobs.getJob({ jobId }, { timeoutMs: 5000 }).catch((e) => e);
        expect(err).toBeInstanceOf(AppError);
        expect(err.code).toBe("job_not_found");
        // protobuf strings are UTF-8: a lone surrogate arrives as U+FFFD, as for any string field
        const sent = Buffer.from(jobId, "utf8").toString("utf8");
        expect(err.message).toBe(`no job ${sent}`);
        expect(err.details).toEqual({ job_id: sent });
      }),
      { numRuns: 200 },
    );
    for (const jobId of ["echo:\u0084", "echo:vidé", "echo:\0\u202e", "echo:😀".repeat(2000)]) {
      const err = await jobs.getJob({ jobId }, { timeoutMs: 5000 }).catch((e) => e);
      expect(err.details).toEqual({ job_id: jobId });
    }
    jobs.close();
  });

  it("hides non-AppError internals from the client and reports them to the server", async () => {
    const reported = internalErrors.length;
    const jobs = transport.jobs();
    const err = await jobs.createJob({}).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("internal");
    expect(err.message).not.toContain("secret");
    expect(internalErrors).toHaveLength(reported + 1);
    jobs.close();
  });

  it("streams a client-streaming call with backpressure", async () => {
    const up = transport.upload();
    async function* parts() {
      yield { part: { case: "header" as const, value: { filename: "a.mp4" } } };
      for (let i = 0; i < 64; i++)
        yield { part: { case: "chunk" as const, value: new Uint8Array(256 * 1024) } };
    }
    const res = await up.upload(parts());
    expect(res.video?.filename).toBe("a.mp4");
    expect(res.video?.fileSizeBytes).toBe(BigInt(64 * 256 * 1024));
    up.close();
  });

  it("gives the caller its own producer's error when a client stream fails", async () => {
    const up = transport.upload();
    async function* parts() {
      yield { part: { case: "header" as const, value: { filename: "a.mp4" } } };
      throw new Error("disk read failed");
    }
    const err = await up.upload(parts()).catch((e) => e);
    expect(err.message).toBe("disk read failed");
    up.close();
  });

  it("streams a server-streaming call; an early stop on the client ends the server's generator", async () => {
    const jobs = transport.jobs();
    const closed = new Promise<void>((r) => {
      streamClosed = r;
    });
    const seqs: bigint[] = [];
    for await (const e of jobs.watchJobEvents({ jobId: "job_1", afterSeq: 3n })) {
      seqs.push(e.seq);
      if (seqs.length === 5) break;
    }
    expect(seqs).toEqual([1n, 2n, 3n, 0n, 0n]);
    await closed; // the server saw the cancellation and left its loop
    const err = await (async () => {
      for await (const _ of jobs.watchJobEvents({ jobId: "missing" })) return undefined;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("job_not_found");
    jobs.close();
  });

  it("gives each caller its own copy of a reply the service answers again (a memoized one)", async () => {
    const jobs = transport.jobs();
    const first = await jobs.getJob({ jobId: "memo" });
    first.job!.status = "changed by the caller";
    const second = await jobs.getJob({ jobId: "memo" });
    expect(second.job?.status).toBe("queued");
    expect(second.job).not.toBe(first.job);
    expect(memoReply.job?.status).toBe("queued");
    jobs.close();
  });

  it("cancels the service's side of a unary call when the caller's signal aborts", async () => {
    const jobs = transport.jobs();
    const seen = new Promise((r) => {
      sawCancel = r;
    });
    const hangUp = new AbortController();
    const call = jobs.countActiveJobs({ videoId: "hang" }, { signal: hangUp.signal });
    setTimeout(() => hangUp.abort(new Error("caller left")), 50);
    await expect(call).rejects.toThrow();
    await seen; // the service's ctx.signal fired
    jobs.close();
  });

  it("gives every call a deadline, by default too", async () => {
    const jobs = transport.jobs({ unaryTimeoutMs: 200 });
    const started = Date.now();
    const err = await jobs.countActiveJobs({ videoId: "slow" }).catch((e) => e);
    expect(err.code).toBe("unavailable");
    expect(Date.now() - started).toBeLessThan(900);
    expect((await jobs.countActiveJobs({ videoId: "slow" }, { timeoutMs: 5000 })).count).toBe(0);
    jobs.close();
  });
});

describe("grpc-js client", () => {
  it("maps an unreachable server to `unavailable`", async () => {
    const jobs = createClient(JobService, "127.0.0.1:1");
    const err = await jobs.getJob({ jobId: "x" }, { timeoutMs: 2000 }).catch((e) => e);
    expect(err.code).toBe("unavailable");
    jobs.close();
  });
});

describe("serveGrpc", () => {
  it("serves on a bound port and in process, logging a bug's error with its method on both", async () => {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const log = {
      error: (obj: Record<string, unknown>, msg: string) => lines.push({ level: "error", obj, msg }),
      info: (obj: Record<string, unknown>, msg: string) => lines.push({ level: "info", obj, msg }),
    } as unknown as Logger;
    const served = await serveGrpc(JobService, jobsImpl, { name: "test", host: "127.0.0.1", port: 0, log });
    try {
      expect(served.port).toBeGreaterThan(0);
      expect(lines).toEqual([{ level: "info", obj: { port: served.port }, msg: "test service listening" }]);
      const remote = createClient(JobService, `127.0.0.1:${served.port}`);
      expect((await remote.getJob({ jobId: "job_2" })).job?.jobId).toBe("job_2");
      expect((await served.local.getJob({ jobId: "job_3" })).job?.jobId).toBe("job_3");
      for (const client of [remote, served.local]) {
        expect((await client.createJob({}).catch((e) => e)).code).toBe("internal");
      }
      remote.close();
      const errors = lines.filter((l) => l.level === "error");
      expect(errors.map((l) => [l.msg, l.obj.method])).toEqual([
        ["internal error", "/clipzy.v1.JobService/CreateJob"],
        ["internal error", "/clipzy.v1.JobService/CreateJob"],
      ]);
    } finally {
      await served.stop();
    }
  });
});
