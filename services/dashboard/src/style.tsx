import type { Schemas, StyleJson } from "@clipzy/client";

type Edit = Schemas["Edit"];

import { seconds } from "./format.js";

const GRADE_KEYS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

/** −100..100 as a bar growing left or right from the centre. */
function Diverging({ label, value }: { label: string; value: number }) {
  const v = Math.max(-100, Math.min(100, value));
  const style =
    v >= 0 ? { left: "50%", width: `${v / 2}%` } : { left: `${50 + v / 2}%`, width: `${-v / 2}%` };
  return (
    <div class="grade-row" data-grade={label}>
      <span class="label">{label}</span>
      <div class="track">
        <div class={`value ${v >= 0 ? "pos" : "neg"} ${label}`} style={style} />
        <div class="zero" />
      </div>
      <span class="num">{v > 0 ? `+${Math.round(v)}` : Math.round(v)}</span>
    </div>
  );
}

/** 0..100 as a share. */
function Share({ label, value }: { label: string; value: number | null }) {
  return (
    <div class="share-row">
      <span class="label">{label}</span>
      <div class="track">{value !== null && <div class="value pos" style={{ width: `${value}%` }} />}</div>
      <span class="num">{value === null ? "—" : `${Math.round(value)}%`}</span>
    </div>
  );
}

export function Swatches({ label, colours }: { label: string; colours: string[] }) {
  return (
    <div class="swatches">
      <span class="label">{label}</span>
      {colours.map((c) => (
        <span key={c} class="swatch" title={c} style={{ backgroundColor: c }} />
      ))}
    </div>
  );
}

const BEAT_COLORS = { bass: "#e4572e", mid: "#f3a712", high: "#29b6f6" } as const;

/** Ticks every second under a lane of `durationMs`. */
function secondTicks(durationMs: number, x: (ms: number) => number) {
  return Array.from({ length: Math.max(1, Math.floor(durationMs / 1000)) + 1 }, (_, i) => (
    <line key={`t${i}`} x1={x(i * 1000)} x2={x(i * 1000)} y1="70" y2="76" class="tick" />
  ));
}

/** The style's beats (height = confidence, colour = band) on its clip's time axis, with the tempo. */
function Timeline({ style }: { style: StyleJson }) {
  const beats = style.detected_beats;
  const lastMs = Math.max(...beats.map((b) => b.timestamp_ms), 1);
  const durationMs = Math.max((style.source_duration_seconds ?? 0) * 1000, lastMs);
  const x = (ms: number) => (ms / durationMs) * 1000;
  return (
    <figure class="timeline">
      <svg viewBox="0 0 1000 80" preserveAspectRatio="none" role="img" aria-label="beat timeline">
        <rect x="0" y="0" width="1000" height="70" class="lane" />
        {secondTicks(durationMs, x)}
        {beats.map((b) => (
          <line
            key={`b${b.timestamp_ms}`}
            x1={x(b.timestamp_ms)}
            x2={x(b.timestamp_ms)}
            y1={70}
            y2={70 - 12 - 50 * b.confidence}
            stroke={BEAT_COLORS[b.frequency]}
            class="beat"
          />
        ))}
      </svg>
      <figcaption>
        <strong data-testid="tempo">
          {style.tempo_bpm === null ? "no tempo" : `${style.tempo_bpm.toFixed(1)} BPM`}
        </strong>{" "}
        · {beats.length} beats (
        {(["bass", "mid", "high"] as const).map((f) => (
          <span key={f} class="legend" style={{ color: BEAT_COLORS[f] }}>
            {" "}
            ■ {f}
          </span>
        ))}
        ) · {style.cut_frequency === null ? "cut rate —" : `${style.cut_frequency.toFixed(1)} cuts / 10 s`} ·
        over {seconds(durationMs / 1000)}
      </figcaption>
    </figure>
  );
}

/** The output's cuts (from the result's `edit`) on the output's time axis, with their distance to a beat. */
function EditTimeline({ edit }: { edit: Edit }) {
  const durationMs = Math.max(edit.duration_seconds * 1000, 1);
  const x = (ms: number) => (ms / durationMs) * 1000;
  const offsets = edit.cuts.map((c) => c.beat_offset_ms).filter((o): o is number => o !== null);
  const meanOffset = offsets.length ? offsets.reduce((a, o) => a + Math.abs(o), 0) / offsets.length : null;
  return (
    <figure class="timeline">
      <svg viewBox="0 0 1000 80" preserveAspectRatio="none" role="img" aria-label="cut timeline">
        <rect x="0" y="0" width="1000" height="70" class="lane" />
        {secondTicks(durationMs, x)}
        {edit.segments.map((g, i) => (
          <rect
            key={`s${g.output_start_seconds}`}
            x={x(g.output_start_seconds * 1000)}
            width={x((g.source_out_seconds - g.source_in_seconds) * 1000)}
            y="52"
            height="18"
            class={`segment s${i % 2}`}
          />
        ))}
        {edit.cuts.map((c) => (
          <line
            key={`c${c.time_seconds}`}
            x1={x(c.time_seconds * 1000)}
            x2={x(c.time_seconds * 1000)}
            y1="0"
            y2="70"
            class={`cut ${c.kind}`}
          />
        ))}
      </svg>
      <figcaption>
        Output: {edit.cuts.length} cuts over {seconds(edit.duration_seconds)}, {edit.segments.length} source
        segments
        {meanOffset === null ? "" : ` · cuts ${meanOffset.toFixed(0)} ms from a beat on average`} · audio{" "}
        {edit.audio}
      </figcaption>
    </figure>
  );
}

/** The Style DNA drawn: grade bars, palettes, rhythm timeline, motion/zoom/transition shares, audio. */
export function StyleDna(props: {
  style: StyleJson;
  edit?: Edit | null;
  palettes?: { label: string; colours: string[] }[];
}) {
  const s = props.style;
  const t = s.primary_transition;
  const a = s.audio_style;
  return (
    <section class="card style-dna" data-testid="style-dna">
      <h2>
        Style DNA{" "}
        <small>
          {s.extraction_confidence === null ? "" : `confidence ${s.extraction_confidence.toFixed(2)}`} · v
          {s.version}
        </small>
      </h2>
      <div class="dna-grid">
        <div>
          <h3>Colour grade</h3>
          {s.color_grade ? (
            GRADE_KEYS.map((k) => <Diverging key={k} label={k} value={s.color_grade![k]} />)
          ) : (
            <p class="muted">no colour grade</p>
          )}
          {props.palettes?.map((p) => (
            <Swatches key={p.label} label={p.label} colours={p.colours} />
          ))}
        </div>
        <div>
          <h3>Motion and editing</h3>
          <Share label="motion" value={s.motion_intensity} />
          <Share label="zoom" value={s.zoom_usage} />
          <p class="transition">
            Transition:{" "}
            {t ? (
              <strong>
                {t.type} · {t.duration_ms} ms · {t.easing}
              </strong>
            ) : (
              "—"
            )}
          </p>
          <h3>Audio</h3>
          <dl class="facts">
            <dt>level</dt>
            <dd>{a?.normalization_level?.toFixed(2) ?? "—"}</dd>
            <dt>compression</dt>
            <dd>{a?.compression_ratio ? `${a.compression_ratio.toFixed(1)}:1` : "—"}</dd>
            <dt>bass</dt>
            <dd>{a?.bass_boost ?? "—"}</dd>
            <dt>speech</dt>
            <dd>
              {a?.enhance_speech === null || a?.enhance_speech === undefined
                ? "—"
                : a.enhance_speech
                  ? "yes"
                  : "no"}
            </dd>
            <dt>genre</dt>
            <dd>{s.music_genre ?? "—"}</dd>
            <dt>format</dt>
            <dd>
              {s.aspect_ratio ?? "—"} · {s.frame_rate ?? "—"} fps
            </dd>
          </dl>
        </div>
      </div>
      <h3>Rhythm</h3>
      <Timeline style={s} />
      {props.edit && props.edit.cuts.length + props.edit.segments.length > 0 && (
        <EditTimeline edit={props.edit} />
      )}
    </section>
  );
}
