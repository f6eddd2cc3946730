import { AppError, isAppError, storageKeys } from "@clipzy/contracts";
import { EdlSchema } from "@clipzy/models/edit/edl";
import { cmx3600 } from "@clipzy/models/timeline/cmx3600";
import { fcpxmlDocument } from "@clipzy/models/timeline/fcpxml";
import type { TimelineFormat, TimelineMedia } from "@clipzy/models/timeline/model";
import { otioTimeline } from "@clipzy/models/timeline/otio";
import { readArtifact } from "@clipzy/platform/artifacts";
import type { Job } from "@clipzy/proto";
import type { Request } from "express";
import type { Backends } from "../clients.js";

/** Each export's file extension, content type and writer (services/lib-models/src/timeline/). */
const FORMATS: Record<TimelineFormat, { ext: string; type: string }> = {
  otio: { ext: "otio", type: "application/json" },
  fcpxml: { ext: "fcpxml", type: "application/xml" },
  edl: { ext: "edl", type: "text/plain" },
};

/**
 * A completed job's edit as a timeline an editor opens (GET /jobs/{id}/timeline.{otio,fcpxml,edl}):
 * the job's edit decision list read through its schema, its source video's record for the
 * original file name, and the public URLs of the source and the grade. A style_only job made no
 * edit: 409.
 */
export async function timelineExport(
  b: Backends,
  req: Request,
  job: Job,
  format: TimelineFormat,
): Promise<{ body: string; type: string; filename: string }> {
  if (job.config?.mode === "style_only" || !job.outputVideoUrl)
    throw new AppError(
      "conflict",
      `job ${job.jobId} is a style_only job: it extracted a style and made no edit, so it has no timeline to export; create a full job for one`,
      { job_id: job.jobId, mode: job.config?.mode ?? "style_only" },
    );
  const edl = await readArtifact(b.store, storageKeys.artifact(job.jobId, "style_application"), EdlSchema);
  const base = `${req.protocol}://${req.get("host")}/api/v1`;
  const media: TimelineMedia = {
    name: job.jobId,
    videoId: job.videoId,
    url: `${base}/videos/${job.videoId}/content`,
    filename: await originalName(b, req.tenantId, job.videoId),
    gradeUrl: `${base}/jobs/${job.jobId}/grade.cube`,
  };
  const body =
    format === "otio"
      ? `${JSON.stringify(otioTimeline(edl, media), null, 2)}\n`
      : format === "fcpxml"
        ? fcpxmlDocument(edl, media)
        : cmx3600(edl, media);
  return { body, type: FORMATS[format].type, filename: `${job.jobId}.${FORMATS[format].ext}` };
}

/** The uploaded file's name; the video id when the video has been deleted since. */
async function originalName(b: Backends, tenantId: string, videoId: string): Promise<string> {
  try {
    const { video } = await b.upload.getVideo({ tenantId, videoId });
    return video?.filename || `${videoId}.mp4`;
  } catch (err) {
    if (isAppError(err) && err.code === "video_not_found") return `${videoId}.mp4`;
    throw err;
  }
}
