import { type JobDetailResponse, type JobResponse, unwrap, type WebhookDelivery } from "@clipzy/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { client, mediaUrl, messageOf } from "./api.js";
import { Fidelity } from "./fidelity.js";
import { seconds } from "./format.js";
import { grabFrames, palette } from "./frames.js";
import { StageProgress, StatusLine } from "./jobs.js";
import { useLiveJob } from "./live.js";
import { PreviewPlayer } from "./preview.js";
import { StyleDna } from "./style.js";

const FRACTIONS = [0.15, 0.5, 0.85] as const;

function Bitmap({ bitmap }: { bitmap: ImageBitmap }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current!;
    c.width = bitmap.width;
    c.height = bitmap.height;
    c.getContext("2d")!.drawImage(bitmap, 0, 0);
  }, [bitmap]);
  return <canvas ref={ref} class="frame" />;
}

interface Strip {
  label: string;
  url: string;
  frames?: ImageBitmap[];
  error?: string;
}

/** What an editor or colourist takes further: the grade as a LUT and the edit as a timeline. */
const EXPORTS = [
  { ext: "cube", path: "grade.cube", label: "Grade (.cube)" },
  { ext: "otio", path: "timeline.otio", label: "OpenTimelineIO (.otio)" },
  { ext: "fcpxml", path: "timeline.fcpxml", label: "Final Cut Pro XML (.fcpxml)" },
  { ext: "edl", path: "timeline.edl", label: "CMX 3600 EDL (.edl)" },
] as const;

/**
 * Download links for the job's exports. A link cannot send the bearer token (and these URLs take
 * no ?access_token=), so a click fetches the file with it and saves what came back.
 */
function Downloads({ jobId }: { jobId: string }) {
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event, path: string, name: string) => {
    e.preventDefault();
    try {
      const blob = await (await client.fetch(`/jobs/${jobId}/${path}`)).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <p class="downloads" data-testid="downloads">
        {EXPORTS.map((x) => (
          <a
            key={x.ext}
            href={client.url(`/jobs/${jobId}/${x.path}`)}
            download={`${jobId}.${x.ext}`}
            data-export={x.ext}
            onClick={(e) => save(e, x.path, `${jobId}.${x.ext}`)}
          >
            {x.label}
          </a>
        ))}
      </p>
      {error && <p class="error small">{error}</p>}
    </>
  );
}

/** Frames of source, template and output at the same moments, side by side. */
function useStrips(job: JobResponse | undefined, completed: boolean) {
  const [strips, setStrips] = useState<Strip[]>([]);
  useEffect(() => {
    if (!job || !completed) return;
    const wanted: Strip[] = [{ label: "source", url: mediaUrl(`/videos/${job.video_id}/content`) }];
    if (job.template_video_id)
      wanted.push({ label: "template", url: mediaUrl(`/videos/${job.template_video_id}/content`) });
    wanted.push({ label: "output", url: mediaUrl(`/jobs/${job.job_id}/output`) });
    setStrips(wanted);
    let alive = true;
    (async () => {
      // one after another: the machine decoding them may be a phone
      for (const s of wanted) {
        const done = await grabFrames(s.url, FRACTIONS).then(
          (frames) => ({ ...s, frames }),
          (err) => ({ ...s, error: (err as Error).message }),
        );
        if (!alive) return;
        setStrips((all) => all.map((x) => (x.label === s.label ? done : x)));
      }
    })();
    return () => {
      alive = false;
    };
  }, [job?.job_id, completed]);
  return strips;
}

function Deliveries({ jobId }: { jobId: string }) {
  const [list, setList] = useState<WebhookDelivery[]>();
  const [error, setError] = useState<string>();
  const load = async () => {
    try {
      const d = await unwrap(
        client.api.GET("/jobs/{job_id}/webhook-deliveries", { params: { path: { job_id: jobId } } }),
      );
      setList(d.deliveries);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    load();
  }, [jobId]);
  const replay = async (id: string) => {
    try {
      await unwrap(
        client.api.POST("/webhook-deliveries/{delivery_id}/replay", {
          params: { path: { delivery_id: id } },
        }),
      );
      await load();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section class="card deliveries">
      <h2>Webhook deliveries</h2>
      {error && <p class="error">{error}</p>}
      {list?.length === 0 && <p class="muted">None: this job has no webhook_url.</p>}
      {list?.map((d) => (
        <div key={d.delivery_id} class="delivery">
          <div class="job-head">
            <span class={`badge ${d.state}`}>{d.state}</span>
            <span class="mono small">{d.url}</span>
            <button type="button" class="small" onClick={() => replay(d.delivery_id)}>
              Replay
            </button>
          </div>
          <ol class="attempts">
            {d.attempts.map((a) => (
              <li key={a.attempt}>
                #{a.attempt} {a.at ?? ""} · {a.status_code ?? "no answer"} · {a.latency_ms} ms
                {a.error ? ` · ${a.error}` : ""}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

export function JobPage({ jobId }: { jobId: string }) {
  const [initial, setInitial] = useState<JobResponse>();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    unwrap(client.api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId } } })).then(
      setInitial,
      (err) => setLoadError(messageOf(err)),
    );
  }, [jobId]);
  if (loadError) return <p class="card error">{loadError}</p>;
  if (!initial) return <p class="muted">Loading {jobId}…</p>;
  return <LoadedJob initial={initial} />;
}

function LoadedJob({ initial }: { initial: JobResponse }) {
  const { job = initial, error } = useLiveJob(initial, initial.job_id);
  const completed = job.status === "completed";
  const [result, setResult] = useState<JobDetailResponse>();
  const [resultError, setResultError] = useState<string>();
  useEffect(() => {
    if (!completed) return;
    unwrap(client.api.GET("/jobs/{job_id}/result", { params: { path: { job_id: job.job_id } } })).then(
      setResult,
      (err) => setResultError(messageOf(err)),
    );
  }, [completed]);
  const strips = useStrips(job, completed);
  const byLabel = (l: string) => strips.find((s) => s.label === l)?.frames;
  const palettes = ["template", "source", "output"]
    .map((l) => ({ label: l, frames: byLabel(l) }))
    .filter((p) => p.frames)
    .map((p) => ({ label: p.label, colours: palette(p.frames!) }));
  return (
    <div class="job-page">
      <section class="card">
        <h2 class="mono">{job.job_id}</h2>
        <StatusLine job={job} />
        <StageProgress job={job} />
        <p class="muted small">
          video <span class="mono">{job.video_id}</span>
          {job.template_video_id && (
            <>
              {" "}
              · template <span class="mono">{job.template_video_id}</span>
            </>
          )}{" "}
          · created {job.created_at}
          {result?.processing_time_seconds ? ` · took ${seconds(result.processing_time_seconds)}` : ""}
        </p>
        {(error || resultError) && <p class="error">{error ?? resultError}</p>}
      </section>
      <PreviewPlayer job={job} />
      {completed && result?.output_video_url !== null && (
        <section class="card player">
          <h2>Output</h2>
          {/* biome-ignore lint/a11y/useMediaCaption: a rendered clip has no caption track */}
          <video
            controls
            preload="metadata"
            src={mediaUrl(`/jobs/${job.job_id}/output`)}
            data-testid="player"
          />
          <p>
            <a href={mediaUrl(`/jobs/${job.job_id}/output`)} download={`${job.job_id}.mp4`}>
              Download MP4
            </a>
          </p>
          <Downloads jobId={job.job_id} />
        </section>
      )}
      <Deliveries jobId={job.job_id} />
      {strips.length > 0 && (
        <section class="card frames">
          <h2>Frames</h2>
          <div class="strips">
            {strips.map((s) => (
              <div key={s.label} class="strip" data-strip={s.label}>
                <h3>{s.label}</h3>
                {s.error && <p class="error small">{s.error}</p>}
                {s.frames?.map((f, i) => (
                  <Bitmap key={FRACTIONS[i]} bitmap={f} />
                ))}
              </div>
            ))}
          </div>
        </section>
      )}
      {result?.style_json && <StyleDna style={result.style_json} edit={result.edit} palettes={palettes} />}
      {result?.fidelity ? <Fidelity report={result.fidelity} /> : null}
    </div>
  );
}
