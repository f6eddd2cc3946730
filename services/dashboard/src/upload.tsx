import { type StyleJsonInput, unwrap, uploadVideo, type VideoResponse } from "@clipzy/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { client, messageOf } from "./api.js";
import { bytes, seconds } from "./format.js";
import { JOB_CREATED } from "./jobs.js";

interface Transfer {
  name: string;
  sent: number;
  total: number;
  started: number;
  video?: VideoResponse;
  error?: string;
}

/** Drag and drop (or click to choose) a file. */
function DropZone(props: { label: string; accept: string; name: string; onFile: (f: File) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <>
      <button
        type="button"
        class={`drop ${over ? "over" : ""}`}
        data-drop={props.name}
        onClick={() => input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer?.files[0];
          if (f) props.onFile(f);
        }}
      >
        {props.label}
      </button>
      <input
        ref={input}
        type="file"
        name={props.name}
        accept={props.accept}
        hidden
        onChange={(e) => {
          const f = (e.target as HTMLInputElement).files?.[0];
          if (f) props.onFile(f);
        }}
      />
    </>
  );
}

/** Uploads over tus with byte progress; an interrupted upload of the same file resumes. */
function useUpload(onDone?: (v: VideoResponse) => void) {
  const [t, setT] = useState<Transfer>();
  const start = async (file: File) => {
    const started = Date.now();
    setT({ name: file.name, sent: 0, total: file.size, started });
    try {
      const { video } = await uploadVideo(client, file, {
        filename: file.name,
        filetype: file.type || "video/mp4",
        onProgress: (p) => setT({ name: file.name, sent: p.sent, total: p.total, started }),
      });
      setT({ name: file.name, sent: file.size, total: file.size, started, video });
      onDone?.(video);
    } catch (err) {
      setT((x) => ({
        ...(x ?? { name: file.name, sent: 0, total: file.size, started }),
        error: messageOf(err),
      }));
    }
  };
  return { transfer: t, start };
}

function TransferView({ t }: { t: Transfer }) {
  const pct = t.total ? Math.round((t.sent / t.total) * 100) : 0;
  const elapsed = (Date.now() - t.started) / 1000;
  const rate = elapsed > 0 ? `${bytes(t.sent / elapsed)}/s` : "";
  return (
    <div class="transfer">
      <div class="transfer-head">
        <span class="name">{t.name}</span>
        <span class="muted" data-testid="upload-bytes">
          {bytes(t.sent)} / {bytes(t.total)} {t.video ? "· uploaded" : rate && `· ${rate}`}
        </span>
      </div>
      <div class="bar">
        <div class={`fill ${t.error ? "failed" : t.video ? "completed" : ""}`} style={{ width: `${pct}%` }} />
      </div>
      {t.video && (
        <p class="muted small">
          <span class="mono">{t.video.video_id}</span> · {t.video.metadata.width}×{t.video.metadata.height} ·{" "}
          {seconds(t.video.metadata.duration_seconds)}
        </p>
      )}
      {t.error && <p class="error">{t.error}</p>}
    </div>
  );
}

type StyleFrom = "own" | "template" | "style";

export function NewJob() {
  const source = useUpload();
  const [videos, setVideos] = useState<VideoResponse[]>([]);
  const [from, setFrom] = useState<StyleFrom>("template");
  const [templateId, setTemplateId] = useState("");
  const [style, setStyle] = useState<{ name: string; json?: StyleJsonInput; error?: string }>();
  const [quality, setQuality] = useState<"low" | "medium" | "high">("medium");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ jobId?: string; error?: string }>();
  const loadVideos = async () => {
    try {
      setVideos((await unwrap(client.api.GET("/videos", { params: { query: { page_size: 50 } } }))).videos);
    } catch (err) {
      setResult({ error: messageOf(err) });
    }
  };
  const template = useUpload((v) => {
    setTemplateId(v.video_id);
    loadVideos();
  });
  useEffect(() => {
    loadVideos();
  }, []);
  useEffect(() => {
    if (source.transfer?.video) loadVideos();
  }, [source.transfer?.video]);

  const readStyle = async (f: File) => {
    try {
      const parsed = JSON.parse(await f.text());
      const json = (parsed?.data?.style_json ?? parsed?.style_json ?? parsed) as StyleJsonInput;
      setStyle({ name: f.name, json });
    } catch (err) {
      setStyle({ name: f.name, error: `${f.name} is not JSON: ${(err as Error).message}` });
    }
  };

  const video = source.transfer?.video;
  const ready =
    video && (from === "own" || (from === "template" && templateId) || (from === "style" && style?.json));
  const startJob = async () => {
    if (!video) return;
    setBusy(true);
    try {
      const job = await unwrap(
        client.api.POST("/jobs", {
          body: {
            video_id: video.video_id,
            ...(from === "template" ? { template_video_id: templateId } : {}),
            config: { quality, ...(from === "style" && style?.json ? { style_json: style.json } : {}) },
          },
        }),
      );
      setResult({ jobId: job.job_id });
      dispatchEvent(new Event(JOB_CREATED));
    } catch (err) {
      setResult({ error: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card new-job">
      <h2>New job</h2>
      <h3>1 · Your footage</h3>
      <DropZone
        label="Drop a video here, or click to choose"
        accept="video/*"
        name="source"
        onFile={source.start}
      />
      {source.transfer && <TransferView t={source.transfer} />}

      <h3>2 · Style it like</h3>
      <div class="choices" role="radiogroup">
        {(
          [
            ["template", "a template video"],
            ["style", "a StyleJSON file"],
            ["own", "its own style"],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="from"
              value={value}
              checked={from === value}
              onChange={() => setFrom(value)}
            />{" "}
            {label}
          </label>
        ))}
      </div>
      {from === "template" && (
        <div class="template">
          <select
            name="template"
            value={templateId}
            onChange={(e) => setTemplateId((e.target as HTMLSelectElement).value)}
          >
            <option value="">— choose one of your videos —</option>
            {videos
              .filter((v) => v.video_id !== video?.video_id)
              .map((v) => (
                <option key={v.video_id} value={v.video_id}>
                  {v.filename} · {seconds(v.metadata.duration_seconds)} · {v.video_id}
                </option>
              ))}
          </select>
          <DropZone
            label="…or drop a new template video"
            accept="video/*"
            name="template-file"
            onFile={template.start}
          />
          {template.transfer && <TransferView t={template.transfer} />}
        </div>
      )}
      {from === "style" && (
        <div class="style-file">
          <DropZone
            label="Drop a StyleJSON (or a job result) .json"
            accept=".json,application/json"
            name="style"
            onFile={readStyle}
          />
          {style &&
            (style.error ? <p class="error">{style.error}</p> : <p class="muted">{style.name} loaded</p>)}
        </div>
      )}

      <h3>3 · Render</h3>
      <div class="row">
        <label>
          Quality{" "}
          <select
            name="quality"
            value={quality}
            onChange={(e) => setQuality((e.target as HTMLSelectElement).value as "low")}
          >
            <option value="low">low (≤480p)</option>
            <option value="medium">medium (≤720p)</option>
            <option value="high">high (≤1080p)</option>
          </select>
        </label>
        <button type="button" name="start" disabled={!ready || busy} onClick={startJob}>
          Start job
        </button>
      </div>
      {result?.jobId && (
        <p>
          Job <a href={`#/jobs/${result.jobId}`}>{result.jobId}</a> queued.
        </p>
      )}
      {result?.error && <p class="error">{result.error}</p>}
    </section>
  );
}
