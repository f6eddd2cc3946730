import { fetchPreview, type JobResponse, previewMayExist } from "@clipzy/client";
import { useEffect, useState } from "preact/hooks";
import { client, mediaUrl, messageOf } from "./api.js";

const ASK_EVERY_MS = 2000;

/**
 * Whether the job's early preview exists yet: while the job runs and a preview may exist (from
 * style_application on), asked for on each of its events and every 2 s (one byte of
 * GET /jobs/{id}/preview), until it does. `whyNot` is the engine's sentence meanwhile.
 */
function usePreview(job: JobResponse): { found: boolean; whyNot?: string } {
  const [found, setFound] = useState(false);
  const [whyNot, setWhyNot] = useState<string>();
  const asking = !found && job.status === "processing" && previewMayExist(job);
  useEffect(() => {
    if (!asking) return;
    let alive = true;
    const ask = async () => {
      try {
        const got = await fetchPreview(client, job.job_id, { headers: { range: "bytes=0-0" } });
        if (!alive) return;
        if (got.response) {
          await got.response.body?.cancel();
          setFound(true);
        } else setWhyNot(got.whyNot);
      } catch (err) {
        if (alive) setWhyNot(messageOf(err));
      }
    };
    ask();
    const timer = setInterval(ask, ASK_EVERY_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [asking, job.job_id, job.current_stage, job.progress_percent]);
  return { found, whyNot };
}

/**
 * While the final encode runs: the preview (the last low-resolution proxy of the edit) playing,
 * muted and looping, or what the engine says until it exists. Nothing once the job ended: the
 * output's player takes its place.
 */
export function PreviewPlayer({ job }: { job: JobResponse }) {
  const { found, whyNot } = usePreview(job);
  if (job.status !== "processing" || !(found || previewMayExist(job))) return null;
  return (
    <section class="card player preview" data-testid="preview-card">
      <h2>
        Preview <small>a low-resolution proxy of the edit, while the final encode runs</small>
      </h2>
      {found ? (
        <video
          autoplay
          muted
          loop
          playsinline
          controls
          src={mediaUrl(`/jobs/${job.job_id}/preview`)}
          data-testid="preview"
        />
      ) : (
        <p class="muted small" data-testid="preview-waiting">
          {whyNot ?? "Asking for the preview…"}
        </p>
      )}
    </section>
  );
}
