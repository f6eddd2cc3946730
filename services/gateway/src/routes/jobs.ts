import { createHash } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  AppError,
  envelope,
  isTerminal,
  jobDetailResponse,
  jobResponse,
  storageKeys,
} from "@clipzy/contracts";
import { TIMELINE_FORMATS } from "@clipzy/models/timeline/model";
import type { Job } from "@clipzy/proto";
import type { Request, Router } from "express";
import type { Backends } from "../clients.js";
import { requireId } from "../http/ids.js";
import { jsonBody } from "../http/json-body.js";
import { sendRange } from "../http/range.js";
import { idempotencyKeyOf, JobCreateBody, PageQuery, parse } from "../http/validation.js";
import { jobPreviewRoute } from "./preview.js";
import { timelineExport } from "./timeline.js";

/** The job routes, added to `r` (whose id parameters are checked); a status read is the first. */
export function jobRoutes(r: Router, b: Backends): void {
  jobStateRoutes(r, b);
  jobDownloadRoutes(r, b);
  jobPreviewRoute(r, b, jobReader(b));
  jobEventRoutes(r, b);
}

/**
 * The job named by the request's `:jobId`. `summary`: without style_json and output URL, which
 * JobResponse does not show.
 */
const jobReader =
  (b: Backends) =>
  async (req: Request, summary = false): Promise<Job> => {
    const { job } = await b.jobs.getJob({
      tenantId: req.tenantId,
      jobId: req.params.jobId as string,
      summary,
    });
    return job!;
  };

/** Create, read, list, cancel, and the result. */
function jobStateRoutes(r: Router, b: Backends): void {
  const getJob = jobReader(b);

  r.get("/jobs/:jobId", async (req, res) => {
    res.json(envelope("Job retrieved", jobResponse(await getJob(req, true))));
  });

  r.post("/jobs", jsonBody, async (req, res) => {
    if (!req.is("application/json")) {
      throw new AppError(
        "unsupported_media_type",
        "send the job as JSON with Content-Type: application/json",
      );
    }
    const body = parse(JobCreateBody, req.body, "body");
    requireId("video", body.video_id, "video_id");
    if (body.template_video_id != null)
      requireId("video", body.template_video_id, "template_video_id", "template_not_found");
    const idempotencyKey = idempotencyKeyOf(req);
    const { job, replayed } = await b.jobs.createJob({
      tenantId: req.tenantId,
      videoId: body.video_id,
      templateVideoId: body.template_video_id ?? undefined,
      webhookUrl: body.webhook_url ?? undefined,
      config: {
        quality: body.config?.quality, // the jobs service fills in DEFAULT_JOB_CONFIG
        mode: body.config?.mode,
        durationSeconds: body.config?.duration_seconds,
      },
      styleJson: body.config?.style_json ? JSON.stringify(body.config.style_json) : undefined,
      idempotencyKey,
      requestHash: idempotencyKey ? sha256(JSON.stringify(req.body)) : "",
    });
    if (replayed) res.setHeader("Idempotent-Replayed", "true");
    res.json(envelope("Job created", jobResponse(job!)));
  });

  r.get("/jobs", async (req, res) => {
    const q = parse(PageQuery, req.query, "query");
    const { jobs, total } = await b.jobs.listJobs({
      tenantId: req.tenantId,
      page: q.page,
      pageSize: q.page_size,
      status: q.status,
    });
    res.json({
      success: true,
      message: "Jobs retrieved",
      jobs: jobs.map((j) => jobResponse(j)),
      total,
      page: q.page,
      page_size: q.page_size,
    });
  });

  r.get("/jobs/:jobId/result", async (req, res) => {
    const job = await getJob(req);
    if (job.status !== "completed") {
      const details: Record<string, unknown> = { job_id: job.jobId, status: job.status };
      if (job.error) details.error = { stage: job.error.stage, message: job.error.message };
      throw new AppError(
        "job_not_completed",
        `job ${job.jobId} is ${job.status}; its result is available once it is completed`,
        details,
      );
    }
    res.json(envelope("Job result retrieved", jobDetailResponse(job)));
  });

  r.post("/jobs/:jobId/cancel", async (req, res) => {
    const { job } = await b.jobs.cancelJob({ tenantId: req.tenantId, jobId: req.params.jobId });
    res.json(envelope("Job cancelled", jobResponse(job!)));
  });
}

/** What a completed job offers for download: its output video, its colour transfer and its edit as a timeline. */
function jobDownloadRoutes(r: Router, b: Backends): void {
  const getJob = jobReader(b);

  /** The job, once completed: what only a completed job has is 409 before. */
  const completedJob = async (req: Parameters<typeof getJob>[0], what: string) => {
    const job = await getJob(req);
    if (job.status !== "completed") {
      throw new AppError(
        "job_not_completed",
        `job ${job.jobId} is ${job.status}; ${what} exists once it is completed`,
        {
          job_id: job.jobId,
          status: job.status,
        },
      );
    }
    return job;
  };

  r.get("/jobs/:jobId/output", async (req, res) => {
    const job = await completedJob(req, "its output");
    const key = job.outputVideoUrl ? storageKeys.output(job.jobId) : null;
    const info = key ? await b.store.stat(key) : null;
    if (!key || !info)
      throw new AppError("not_found", `job ${job.jobId} has no output video (style_only jobs render none)`);
    await sendRange(req, res, info.size, (range) => b.store.get(key, range), "video/mp4", `${job.jobId}.mp4`);
  });

  r.get("/jobs/:jobId/grade.cube", async (req, res) => {
    const job = await completedJob(req, "its colour transfer");
    const key = storageKeys.gradeLut(job.jobId);
    if (!job.outputVideoUrl || !(await b.store.stat(key)))
      throw new AppError("not_found", `job ${job.jobId} rendered no video, so it has no colour transfer`);
    res
      .attachment(`${job.jobId}.cube`)
      .type("text/plain")
      .send(await b.store.getBytes(key));
  });

  // the edit for an editor: OTIO, FCPXML or a CMX 3600 EDL (routes/timeline.ts)
  for (const format of TIMELINE_FORMATS) {
    r.get(`/jobs/:jobId/timeline.${format}`, async (req, res) => {
      const job = await completedJob(req, "its timeline");
      const t = await timelineExport(b, req, job, format);
      res.attachment(t.filename).type(t.type).send(t.body);
    });
  }
}

/** The job's events as Server-Sent Events. */
function jobEventRoutes(r: Router, b: Backends): void {
  const getJob = jobReader(b);

  /**
   * Server-Sent Events from the job's event log, pushed by the jobs service as changes are
   * recorded: one event per state change, ids are the log's sequence numbers, so a client
   * reconnecting with Last-Event-ID resumes exactly where it was. The stream ends after the
   * terminal event (at once for a client already past it).
   */
  r.get("/jobs/:jobId/events", async (req, res) => {
    const after = lastEventId(req);
    await getJob(req, true); // 404 before the stream starts
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const hangUp = new AbortController();
    req.on("close", () => hangUp.abort());
    // a comment line now and then keeps proxies from closing an idle stream
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    try {
      const events = b.jobs.watchJobEvents(
        { tenantId: req.tenantId, jobId: req.params.jobId, afterSeq: BigInt(after) },
        { signal: hangUp.signal },
      );
      for await (const e of events) res.write(sseEvent(Number(e.seq), e.job!));
    } finally {
      // an error mid-stream ends the stream (logged by the error handler); the client resumes
      clearInterval(keepAlive);
      res.end();
    }
  });
}

/** Last-Event-ID (header, or `last_event_id` for clients that cannot set one): an event id or 400. */
function lastEventId(req: Request): number {
  const parse = (field: string, raw: unknown) => {
    if (raw === undefined) return undefined;
    const n = typeof raw === "string" && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n))
      throw new AppError("validation_error", `${field} must be an event id (a whole number, 0 or more)`, {
        field,
      });
    return n;
  };
  // both are checked when both are sent; the header wins
  const query = parse("last_event_id", req.query.last_event_id);
  return parse("Last-Event-ID", req.headers["last-event-id"]) ?? query ?? 0;
}

const KEEP_ALIVE_MS = 15_000;

/** One SSE event: the job as of that change (its ETA too), so a replay is byte-identical. */
function sseEvent(seq: number, job: Job): string {
  const type = isTerminal(job.status) ? job.status : "progress";
  const data = JSON.stringify(jobResponse(job, job.updatedAt ? timestampDate(job.updatedAt) : undefined));
  return `id: ${seq}\nevent: ${type}\ndata: ${data}\n\n`;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
