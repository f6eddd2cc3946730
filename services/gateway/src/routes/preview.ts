import { AppError, storageKeys } from "@clipzy/contracts";
import type { Job } from "@clipzy/proto";
import type { Request, Router } from "express";
import type { Backends } from "../clients.js";
import { sendRange } from "../http/range.js";

/**
 * GET /jobs/{id}/preview: the last low-resolution proxy the style-applier's closed loop rendered
 * of the planned edit before the final encode (storageKeys.preview, written atomically, replaced
 * by each round's). Served as soon as it exists, whatever the job's status, with Range like the
 * output; 404 with a sentence saying why before that. `getJob` reads the tenant's job (404 for
 * another tenant's).
 */
export function jobPreviewRoute(r: Router, b: Backends, getJob: (req: Request) => Promise<Job>): void {
  r.get("/jobs/:jobId/preview", async (req, res) => {
    const job = await getJob(req);
    const key = storageKeys.preview(job.jobId);
    const info = job.config?.mode === "style_only" ? null : await b.store.stat(key);
    if (!info)
      throw new AppError("not_found", noPreview(job), {
        job_id: job.jobId,
        status: job.status,
        current_stage: job.currentStage || null,
      });
    // each round replaces the object under the same URL: never from a cache
    res.setHeader("Cache-Control", "no-store");
    await sendRange(
      req,
      res,
      info.size,
      (range) => b.store.get(key, range),
      "video/mp4",
      `${job.jobId}.preview.mp4`,
    );
  });
}

/** Why a job has no preview (yet), in one sentence. */
function noPreview(job: Job): string {
  const id = job.jobId;
  if (job.config?.mode === "style_only")
    return `job ${id} is a style_only job: it extracts a style and renders no video, so it has no preview`;
  switch (job.status) {
    case "queued":
    case "processing":
      return (
        `job ${id} has no preview yet: the first proxy of the edit is rendered during style_application, ` +
        `before the final encode (the job is ${job.status}${job.currentStage ? ` at ${job.currentStage}` : ""}); ask again shortly`
      );
    case "completed":
      return `job ${id} completed without a preview; its output is at GET /jobs/${id}/output`;
    default:
      return `job ${id} is ${job.status} and rendered no preview`;
  }
}
