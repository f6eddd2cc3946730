import { ApiError, type ClipzyClient, type JobResponse } from "./client.js";

/**
 * GET /jobs/{id}/preview: the last low-resolution proxy of the job's edit, as the response to
 * stream (video/mp4), or null while the job has none (404 `not_found`: not yet, a style_only job,
 * or a job that ended without one; `whyNot` holds the engine's sentence). Any other error, e.g.
 * 404 `job_not_found`, throws ApiError.
 */
export async function fetchPreview(
  client: ClipzyClient,
  jobId: string,
  init: RequestInit = {},
): Promise<{ response: Response } | { response: null; whyNot: string }> {
  try {
    return { response: await client.fetch(`/jobs/${encodeURIComponent(jobId)}/preview`, init) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code === "not_found")
      return { response: null, whyNot: err.message };
    throw err;
  }
}

/**
 * Whether a preview may exist by now: it is written during style_application, before the final
 * encode (rendering), and stays once the job ended. Clients ask for it from then on.
 */
export const previewMayExist = (job: Pick<JobResponse, "status" | "current_stage">): boolean =>
  job.status !== "queued" &&
  (job.status !== "processing" ||
    job.current_stage === "style_application" ||
    job.current_stage === "rendering");
