import type { EditDecisionList, EdlSegment } from "../edit/edl.js";

/**
 * What the timeline writers (otio.ts, fcpxml.ts, cmx3600.ts) share: the media they point at, the
 * split of a transition around its cut, the transition kinds and the framing (aspect crop, zoom,
 * reframe) of a segment frame by frame. Pure: the gateway reads the EDL and the video's record and
 * passes them in.
 *
 * Times: every frame number is a frame of the EDL's rate (`fps`), source frames counted from the
 * start of the file; an editor's rational times (frame / fps) are therefore exact whatever the
 * file's own rate.
 */
export const TIMELINE_FORMATS = ["otio", "fcpxml", "edl"] as const;
export type TimelineFormat = (typeof TIMELINE_FORMATS)[number];

export interface TimelineMedia {
  /** The timeline's name (the job id). */
  name: string;
  videoId: string;
  /** Where the source can be fetched: the API's `content` URL of the uploaded video. */
  url: string;
  /** The uploaded file's original name, so that an editor can relink to a local copy. */
  filename: string;
  /** The job's `.cube` (the grade), linked from the timeline. */
  gradeUrl: string;
}

/**
 * A transition centred on its cut, as the renderer draws it: `before` frames of it precede the
 * cut (taken from the incoming segment's pre-roll) and `after` follow it (the outgoing one's
 * post-roll).
 */
export function transitionSplit(frames: number): { before: number; after: number } {
  const before = Math.floor(frames / 2);
  return { before, after: frames - before };
}

/** A transition as each format names it; `dissolve` is true for a cross-dissolve. */
export function transitionKind(type: string): { dissolve: boolean; otio: string; fcpx: string } {
  // xfade's "fade" is a cross-dissolve; every other xfade shape (dips, wipes, slides) has no
  // standard name in OTIO and FCPXML, so it is named as what it is.
  if (type === "fade") return { dissolve: true, otio: "SMPTE_Dissolve", fcpx: "Cross Dissolve" };
  return { dissolve: false, otio: "Custom_Transition", fcpx: type };
}

/** Frames a segment's branch draws: its core plus both transition handles. */
export const branchFrames = (s: EdlSegment) =>
  s.pre.source + s.pre.hold + (s.source_out - s.source_in) + s.post.source + s.post.hold;

/**
 * The picture at one frame of a segment's branch (0 = its first handle frame): the source point at
 * the centre of the output (normalised 0..1 of the source frame) and the magnification relative to
 * the aspect crop filling the output (1 = the crop window itself). Mirrors the renderer's framing
 * (services/lib-media/src/render-graph.ts framingFilters): a still window of 1/from of the crop,
 * following the subject's path when it has one, or a zoom from → to at a constant rate over the
 * branch around a fixed centre, windows clamped to the frame.
 */
export function framingAt(edl: EditDecisionList, s: EdlSegment, i: number): Framing {
  const { width: W, height: H } = edl.source;
  const { width: CW, height: CH } = edl.crop;
  const { from, to, cx, cy, path } = s.zoom;
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  if (from === to) {
    const w = Math.max(2, Math.floor(CW / from / 2) * 2);
    const h = Math.max(2, Math.floor(CH / from / 2) * 2);
    const pre = s.pre.source + s.pre.hold;
    const at = pathAt(path, i - pre);
    const px = at ? at.cx : cx;
    const py = at ? at.cy : cy;
    const x = clamp(px * W - w / 2, 0, W - w);
    const y = clamp(py * H - h / 2, 0, H - h);
    return { scale: CW / w, cx: (x + w / 2) / W, cy: (y + h / 2) / H };
  }
  const n = branchFrames(s);
  const scale = from * (to / from) ** clamp(i / Math.max(1, n - 1), 0, 1);
  const x0 = clamp(cx * W - CW / 2, 0, W - CW);
  const y0 = clamp(cy * H - CH / 2, 0, H - CH);
  const X = clamp(((cx * W - x0) / CW) * CW - CW / (2 * scale), 0, CW - CW / scale);
  const Y = clamp(((cy * H - y0) / CH) * CH - CH / (2 * scale), 0, CH - CH / scale);
  return { scale, cx: (x0 + X + CW / (2 * scale)) / W, cy: (y0 + Y + CH / (2 * scale)) / H };
}

export interface Framing {
  scale: number;
  cx: number;
  cy: number;
}

/** A subject path's centre `t` frames after source_in: linear between keyframes, held outside. */
function pathAt(path: EdlSegment["zoom"]["path"], t: number): { cx: number; cy: number } | null {
  if (!path) return null;
  if (t <= path[0].at) return path[0];
  for (let k = 0; k + 1 < path.length; k++) {
    const a = path[k];
    const b = path[k + 1];
    if (t <= b.at) {
      const u = b.at === a.at ? 1 : (t - a.at) / (b.at - a.at);
      return { cx: a.cx + u * (b.cx - a.cx), cy: a.cy + u * (b.cy - a.cy) };
    }
  }
  return path[path.length - 1];
}

/** True when the segment shows the whole source frame unmoved (no crop, zoom or reframe). */
export function isUnframed(edl: EditDecisionList, s: EdlSegment): boolean {
  const f = framingAt(edl, s, 0);
  const whole = edl.crop.width === edl.source.width && edl.crop.height === edl.source.height;
  return whole && s.zoom.from === 1 && s.zoom.to === 1 && f.scale === 1;
}

/**
 * Keyframes of a segment's framing, at source frames (of the EDL's rate): the branch's first and
 * last frames, every path keyframe and, for a zoom (exponential in time), one every `step` frames
 * so that an editor's linear interpolation between them stays within a fraction of a percent of
 * the render. One keyframe when the framing holds still.
 */
export function framingKeyframes(
  edl: EditDecisionList,
  s: EdlSegment,
  step = 6,
): ({ frame: number } & Framing)[] {
  const n = branchFrames(s);
  const pre = s.pre.source + s.pre.hold;
  const first = s.source_in - pre;
  const at = new Set<number>([0, n - 1]);
  if (s.zoom.from !== s.zoom.to) for (let i = step; i < n - 1; i += step) at.add(i);
  else if (s.zoom.path) for (const p of s.zoom.path) at.add(Math.min(n - 1, Math.max(0, p.at + pre)));
  else return [{ frame: first, ...round(framingAt(edl, s, 0)) }];
  return [...at].sort((a, b) => a - b).map((i) => ({ frame: first + i, ...round(framingAt(edl, s, i)) }));
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round = (f: Framing): Framing => ({ scale: r6(f.scale), cx: r6(f.cx), cy: r6(f.cy) });

/** The music bed's source span (continuous mode) or none: spliced audio travels with the clips. */
export function musicSpan(edl: EditDecisionList): { from: number; frames: number } | null {
  return edl.audio.mode === "continuous" ? { from: 0, frames: edl.output.frames } : null;
}

/** Beats on the output timeline as frames of the EDL's rate, in order, each once. */
export function beatFrames(edl: EditDecisionList): number[] {
  const frames = edl.beats_ms.map((ms) => Math.round((ms / 1000) * edl.fps));
  return [...new Set(frames)].filter((f) => f < edl.output.frames).sort((a, b) => a - b);
}
