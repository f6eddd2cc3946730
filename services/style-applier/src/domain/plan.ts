import type { ColorGrade, Quality, StyleJson } from "@clipzy/contracts";
import { EDL_VERSION, type EditDecisionList, EdlSchema } from "@clipzy/models/edit/edl";
import {
  type ColorTransfer,
  colorFilter,
  distributionTransfer,
  parametricTransfer,
} from "@clipzy/models/video/color-transfer";
import type { ColorProfile } from "@clipzy/models/video/lab";
import { type EditSource, planEdit } from "./edit.js";

/**
 * Style application as pure code: a StyleJSON (target), the source's own style and its analysis
 * become an edit decision list the renderer executes in one ffmpeg run: the edit (segments on the
 * beat, transitions, framing and zooms, domain/edit.ts) and the encode settings it is rendered
 * with: colour (one transfer for the job: by distribution when the target carries a
 * color_profile, else the parametric grade model's change from the source's six numbers to the
 * target's; see @clipzy/models/video/color-transfer), aspect ratio (a crop that follows the subject), frame rate,
 * audio style (filter chain from the audio model), and the quality preset.
 */
export interface SourceFacts {
  width: number;
  height: number;
  frame_rate: number;
  /** The exact rate ("30000/1001"), when known. */
  fps_fraction: string | null;
  duration_seconds: number;
  has_audio: boolean;
}

export interface QualityPreset {
  crf: number;
  preset: string;
  max_height: number;
  audio_bitrate_kbps: number;
}

export const QUALITY_PRESETS: Record<Quality, QualityPreset> = {
  low: { crf: 28, preset: "veryfast", max_height: 480, audio_bitrate_kbps: 96 },
  medium: { crf: 23, preset: "faster", max_height: 720, audio_bitrate_kbps: 128 },
  high: { crf: 20, preset: "medium", max_height: 1080, audio_bitrate_kbps: 192 },
};

/** Audio crossfade at a splice (spliced mode): long enough to hide the click, short enough to keep the beat. */
export const SPLICE_CROSSFADE_MS = 20;

const GRADE_FIELDS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

export function gradeDelta(target: ColorGrade | null, source: ColorGrade | null): ColorGrade | null {
  if (!target) return null;
  const delta = {} as ColorGrade;
  for (const f of GRADE_FIELDS) delta[f] = clamp(Math.round(target[f] - (source?.[f] ?? 0)), -100, 100);
  return GRADE_FIELDS.some((f) => Math.abs(delta[f]) >= 2) ? delta : null;
}

/** "16:9" → 1.777…; null when unparseable. */
export function parseAspect(ar: string | null): number | null {
  const m = ar ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ar) : null;
  if (!m) return null;
  const v = Number(m[1]) / Number(m[2]);
  return v > 0 && Number.isFinite(v) ? v : null;
}

const even = (x: number) => Math.max(2, Math.floor(x / 2) * 2);

/** The crop window (source pixels, even) for a target aspect ratio; the whole frame within 1%. */
export function cropToAspect(
  width: number,
  height: number,
  aspect: number | null,
): { width: number; height: number } {
  const current = width / height;
  if (!aspect || Math.abs(current - aspect) / aspect < 0.01)
    return { width: even(width), height: even(height) };
  return current > aspect
    ? { width: even(height * aspect), height: even(height) }
    : { width: even(width), height: even(width / aspect) };
}

/** "30000/1001" for a measured rate, or the rate as a fraction over 1000. */
export function fpsFraction(fps: number, exact: string | null): string {
  if (exact && /^\d+\/\d+$/.test(exact)) return exact;
  const num = Math.round(fps * 1000);
  const g = gcd(num, 1000);
  return `${num / g}/${1000 / g}`;
}

export interface PlanInput {
  target: StyleJson;
  sourceStyle: StyleJson;
  /** False when the target is the source's own style: nothing foreign is applied. */
  foreign: boolean;
  source: SourceFacts;
  /** The source's analysis at the output rate (see app/edit-source.ts). */
  edit: (fps: number) => EditSource;
  durationSeconds: number | null;
  inputKey: string;
  quality: Quality;
  lutKey: string;
  /** The source's colour distribution and pixel sample (rgb24) from its analysis. */
  sourceColor: { profile: ColorProfile; sample: Uint8Array } | null;
  audioFilters: (target: StyleJson) => string | null;
  /**
   * The closed loop's re-plans: the transfer already built for the job (not built again), and
   * the zoom_usage / cut_frequency the edit is planned for instead of the target's.
   */
  transfer?: ColorTransfer | null;
  editCounts?: { zoom_usage: number | null; cut_frequency: number | null };
}

export function planEdl(p: PlanInput): EditDecisionList {
  const applied: string[] = [];
  const q = QUALITY_PRESETS[p.quality];
  const s = p.source;
  let fps = s.frame_rate;
  let fraction = fpsFraction(s.frame_rate, s.fps_fraction);
  let aspect: number | null = null;
  let transfer: ColorTransfer | null = null;
  let audio: string | null = null;
  if (p.foreign) {
    aspect = parseAspect(p.target.aspect_ratio);
    if (aspect && Math.abs(s.width / s.height - aspect) / aspect >= 0.01)
      applied.push(`aspect_ratio ${p.target.aspect_ratio}`);
    const target = p.target.frame_rate;
    if (target && Math.abs(target - s.frame_rate) > 0.5) {
      fps = target;
      fraction = fpsFraction(target, null);
      applied.push(`frame_rate ${target}`);
    }
    transfer = p.transfer !== undefined ? p.transfer : colorTransfer(p);
    if (transfer) applied.push(`color_grade (${transfer.method})`);
    audio = s.has_audio ? p.audioFilters(p.target) : null;
    if (audio) applied.push("audio_style");
  }
  const crop = cropToAspect(s.width, s.height, aspect);
  const outH = even(Math.min(crop.height, q.max_height));
  const outW = even((crop.width * outH) / crop.height);
  const src = p.edit(fps);
  const counts = p.editCounts;
  const edit = planEdit({
    source: src,
    target: counts
      ? {
          ...p.target,
          zoom_usage: counts.zoom_usage ?? p.target.zoom_usage,
          cut_frequency: counts.cut_frequency ?? p.target.cut_frequency,
        }
      : p.target,
    foreign: p.foreign,
    durationSeconds: p.durationSeconds,
    window: { width: crop.width / s.width, height: crop.height / s.height },
  });
  if (edit.boundaries.length)
    applied.push(`cuts ${edit.boundaries.length} on ${edit.beat_source.replace("_", " ")}`);
  if (edit.boundaries.some((b) => b.transition.type !== "cut"))
    applied.push(`transition ${edit.boundaries[0].transition.type}`);
  if (edit.segments.some((g) => g.zoom.to !== g.zoom.from)) applied.push("zoom");
  if (edit.frames < src.frames) applied.push(`highlight ${Math.round((1000 * edit.frames) / fps) / 1000} s`);
  return EdlSchema.parse({
    version: EDL_VERSION,
    input_key: p.inputKey,
    fps,
    fps_fraction: fraction,
    source: { width: s.width, height: s.height, frames: src.frames },
    crop,
    output: { width: outW, height: outH, frames: edit.frames },
    segments: edit.segments,
    boundaries: edit.boundaries,
    beats_ms: edit.beats_ms,
    beat_source: edit.beat_source,
    audio: {
      mode: edit.audio_mode,
      crossfade_ms: edit.audio_mode === "spliced" ? SPLICE_CROSSFADE_MS : 0,
      filters: audio,
      bitrate_kbps: q.audio_bitrate_kbps,
    },
    colour: { transfer, filter: transfer ? colorFilter(transfer.curves) : null, lut_key: p.lutKey },
    encode: { crf: q.crf, preset: q.preset, max_height: q.max_height },
    applied,
  });
}

/** By distribution when the target has a colour profile; else by the six numbers' change. */
function colorTransfer(p: PlanInput): ColorTransfer | null {
  if (!p.sourceColor) return null;
  if (p.target.color_profile)
    return distributionTransfer(p.sourceColor.profile, p.sourceColor.sample, p.target.color_profile);
  const change = gradeDelta(p.target.color_grade, p.sourceStyle.color_grade);
  return change ? parametricTransfer(change, p.sourceColor.sample) : null;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
