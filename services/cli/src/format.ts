import type { JobResponse, Schemas, StyleJson, VideoResponse, WebhookDelivery } from "@clipzy/client";
import { bytes, seconds } from "@clipzy/client/format";

export { bytes, seconds };

/** Human-readable text for the CLI's answers (pure; `--json` prints the API's JSON instead). */

const signed = (v: number) => (v > 0 ? `+${Math.round(v)}` : String(Math.round(v)));

/** A short Style DNA summary: grade, rhythm, motion, transition, audio, format. */
export function styleSummary(s: StyleJson): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(12)} ${v}`);
  const conf = s.extraction_confidence === null ? "" : ` (confidence ${s.extraction_confidence.toFixed(2)})`;
  lines.push(`Style DNA${conf}`);
  if (s.color_grade) {
    const g = s.color_grade;
    row(
      "colour",
      `temperature ${signed(g.temperature)}  tint ${signed(g.tint)}  saturation ${signed(g.saturation)}  ` +
        `contrast ${signed(g.contrast)}  highlights ${signed(g.highlights)}  shadows ${signed(g.shadows)}`,
    );
  } else row("colour", "—");
  const tempo = s.tempo_bpm === null ? "no tempo" : `${s.tempo_bpm.toFixed(1)} BPM`;
  const cuts = s.cut_frequency === null ? "" : `, ${s.cut_frequency.toFixed(1)} cuts / 10 s`;
  row("rhythm", `${tempo}, ${s.detected_beats.length} beats${cuts}`);
  const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v)}/100`);
  row("motion", `intensity ${pct(s.motion_intensity)}, zoom ${pct(s.zoom_usage)}`);
  const t = s.primary_transition;
  row("transition", t ? `${t.type}, ${t.duration_ms} ms (${t.easing})` : "—");
  const a = s.audio_style;
  if (a) {
    const parts = [
      a.normalization_level === null ? null : `level ${a.normalization_level.toFixed(2)}`,
      a.compression_ratio === null ? null : `compression ${a.compression_ratio.toFixed(1)}:1`,
      a.bass_boost === null ? null : `bass ${signed(a.bass_boost)}`,
      a.enhance_speech === null ? null : `speech ${a.enhance_speech ? "yes" : "no"}`,
    ].filter(Boolean);
    row("audio", parts.join(", ") || "—");
  }
  const fmt = [
    s.aspect_ratio,
    s.frame_rate === null ? null : `${s.frame_rate} fps`,
    s.source_duration_seconds === null ? null : `${seconds(s.source_duration_seconds)} source`,
    s.music_genre ? `genre ${s.music_genre}` : null,
  ].filter(Boolean);
  row("format", fmt.join(", ") || "—");
  return lines.join("\n");
}

export function jobLine(j: JobResponse): string {
  const stage = j.current_stage ? ` ${j.current_stage}` : "";
  const eta = j.eta_seconds === null ? "" : ` ETA ${seconds(j.eta_seconds)}`;
  return `${j.job_id}  ${j.status.padEnd(10)} ${String(j.progress_percent).padStart(3)}%${stage}${eta}  ${j.created_at}`;
}

export function jobDetails(j: JobResponse): string {
  const rows: [string, unknown][] = [
    ["job", j.job_id],
    ["status", j.status],
    ["progress", `${j.progress_percent}%`],
    ["stage", j.current_stage ?? "—"],
    ["eta", seconds(j.eta_seconds)],
    ["video", j.video_id],
    ["template", j.template_video_id ?? "—"],
    ["created", j.created_at],
    ["started", j.started_at ?? "—"],
    ["completed", j.completed_at ?? "—"],
  ];
  if (j.error) rows.push(["error", `${j.error.stage}: ${j.error.message}`]);
  return rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join("\n");
}

export function videoLine(v: VideoResponse): string {
  const m = v.metadata;
  return `${v.video_id}  ${m.width}x${m.height} ${seconds(m.duration_seconds).padStart(7)} ${bytes(v.file_size_bytes).padStart(8)}  ${v.filename}`;
}

export function videoDetails(v: VideoResponse): string {
  const m = v.metadata;
  return [
    ["video", v.video_id],
    ["file", `${v.filename} (${bytes(v.file_size_bytes)})`],
    ["picture", `${m.width}x${m.height} at ${m.frame_rate} fps, ${m.codec}, ${m.bitrate_kbps} kbps`],
    ["duration", seconds(m.duration_seconds)],
    ["format", m.format],
    ["uploaded", v.uploaded_at],
    ["webhook", v.webhook_url ?? "—"],
    ["template", v.template_video_id ?? "—"],
  ]
    .map(([k, v]) => `${k.padEnd(10)} ${v}`)
    .join("\n");
}

export function deliveryLines(d: WebhookDelivery): string {
  const head = `${d.delivery_id}  ${d.state.padEnd(9)} ${d.url}`;
  const attempts = d.attempts.map(
    (a) =>
      `  #${a.attempt} ${a.at ?? "—"}  ${a.status_code ?? "—"}  ${a.latency_ms} ms${a.error ? `  ${a.error}` : ""}`,
  );
  return [head, ...attempts].join("\n");
}

/** The render's edit: its length, cuts and how close they sit to a beat. */
export function editSummary(e: Schemas["Edit"]): string {
  const offsets = e.cuts.map((c) => c.beat_offset_ms).filter((o): o is number => o !== null);
  const mean = offsets.length ? offsets.reduce((a, o) => a + Math.abs(o), 0) / offsets.length : null;
  const onBeat = mean === null ? "" : `, ${Math.round(mean)} ms from a beat on average`;
  return `edit: ${seconds(e.duration_seconds)}, ${e.cuts.length} cuts${onBeat}, ${e.segments.length} source segments`;
}
