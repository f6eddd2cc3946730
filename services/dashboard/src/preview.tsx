import { fetchPreview, type JobResponse, previewMayExist } from "@clipzy/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { client, mediaUrl, messageOf } from "./api.js";

const ASK_EVERY_MS = 2000;

/** The whole file's size from a one-byte answer (`Content-Range: bytes 0-0/SIZE`). */
const sizeOf = (res: Response) =>
  Number(/\/(\d+)$/.exec(res.headers.get("content-range") ?? "")?.[1] ?? res.headers.get("content-length"));

/**
 * The job's early preview while it runs: from style_application on, asked for on each of its
 * events and every 2 s (one byte of GET /jobs/{id}/preview). `version` counts the proxies seen:
 * 0 while there is none (`whyNot` holds the engine's sentence), then one more each time a later
 * round replaced it (told apart by size: the store gives no other version of an object).
 */
function usePreview(job: JobResponse): { version: number; whyNot?: string } {
  const [version, setVersion] = useState(0);
  const [whyNot, setWhyNot] = useState<string>();
  const size = useRef<number | null>(null);
  const asking = job.status === "processing" && previewMayExist(job);
  useEffect(() => {
    if (!asking) return;
    let alive = true;
    const ask = async () => {
      try {
        const got = await fetchPreview(client, job.job_id, { headers: { range: "bytes=0-0" } });
        if (!alive) return;
        if (!got.response) return setWhyNot(got.whyNot);
        await got.response.body?.cancel();
        const now = sizeOf(got.response);
        if (now !== size.current) {
          size.current = now;
          setVersion((v) => v + 1);
        }
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
  return { version, whyNot };
}

/**
 * The URL of one version of the preview: Chromium's media cache keeps a URL's bytes for the page
 * whatever Cache-Control says, so a replaced proxy is loaded afresh under a query of its own
 * (the gateway ignores it).
 */
const versioned = (url: string, version: number) => `${url}${url.includes("?") ? "&" : "?"}v=${version}`;

/**
 * While the final encode runs: the preview (the last low-resolution proxy of the edit) playing,
 * muted and looping, reloaded when a later round replaces it, or what the engine says until it
 * exists. Nothing once the job ended: the output's player takes its place.
 */
export function PreviewPlayer({ job }: { job: JobResponse }) {
  const { version, whyNot } = usePreview(job);
  if (job.status !== "processing" || !(version > 0 || previewMayExist(job))) return null;
  return (
    <section class="card player preview" data-testid="preview-card">
      <h2>
        Preview <small>a low-resolution proxy of the edit, while the final encode runs</small>
      </h2>
      {version > 0 ? (
        <video
          key={version}
          autoplay
          muted
          loop
          playsinline
          controls
          src={versioned(mediaUrl(`/jobs/${job.job_id}/preview`), version)}
          data-testid="preview"
          data-version={version}
        />
      ) : (
        <p class="muted small" data-testid="preview-waiting">
          {whyNot ?? "Asking for the preview…"}
        </p>
      )}
    </section>
  );
}
