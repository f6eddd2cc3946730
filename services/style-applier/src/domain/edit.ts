import { EASINGS } from "@clipzy/contracts";
import type { EdlBoundary, EdlSegment, EdlTransition, EdlZoom } from "@clipzy/models/edit/edl";
import { nearestOffset, pacedCutTimes } from "@clipzy/models/style/pacing";
import { MAX_EDIT_KEYS, MAX_KEYS_PER_SECOND, subjectPath } from "./reframe-path.js";

/**
 * The editing half of style application, as pure code: the target's cut rhythm, transition and
 * zoom usage, and the source's shots, music and motion become segments and boundaries of an edit
 * decision list. All frame numbers are frames of the output rate (`fps`).
 *
 * Decisions (see docs/rendering.md, "What the edit does"):
 *  - Cut times: K = round(L · cut_frequency / 10) cuts for an output of L seconds, aimed at the
 *    absolute times j·L/(K+1) (spread by the template's pacing) and each snapped to the nearest
 *    beat of the music the output carries, or midway between two for the template's share of
 *    off-beat cuts (onBeatPattern; beat times rounded to frames, never lengths, so nothing
 *    drifts). Beats closer than the minimum segment (one beat, at least 0.5 s) to the previous
 *    cut are skipped.
 *  - The music stays continuous: when the source has music, the output's audio is the source's
 *    own from its start (the music bed) and the cuts fall on its beats; video segments are then
 *    placed freely. Without music the cuts fall on the target's tempo grid and each segment
 *    keeps its own audio, spliced with a short crossfade where time was removed.
 *  - Placement: each output segment shows one piece of one source shot (never across a source
 *    cut or inside a source transition). At full length every source cut becomes the cut on the
 *    last beat before it (cutFrames) and a segment stays as near its own place in the source as
 *    that allows (placeSegments: dropped frames are free, a replay costs, at most 0.5 s); the
 *    output ends early by what was dropped. A highlight edit picks, in source order, the pieces
 *    with the most motion.
 *  - A cut on continuous footage (one long shot) is made visible by a punch-in: the framing
 *    alternates between the full picture and a 1.4× crop at every cut that does not change shot.
 *    Chosen over jump cuts (they shorten the output, and on a static shot are invisible) and
 *    reordering (it breaks the story and the sync of speech).
 */

export interface SourceShot {
  /** First frame and end (exclusive) of the part of a shot outside any source transition. */
  start: number;
  end: number;
}

export interface TrackPoint {
  frame: number;
  cx: number;
  cy: number;
  /** The subject's size (share of the source's width and height). */
  w: number;
  h: number;
  confidence: number;
}

export interface EditSource {
  fps: number;
  frames: number;
  shots: SourceShot[];
  /** Beats of the source's music, seconds (empty when it has none). */
  beats_s: number[];
  has_audio: boolean;
  /** Activity per source frame (motion), for highlight scoring; null when not measured. */
  activity: Float32Array | null;
  /** Subject positions (output-rate source frames, normalised 0..1), from motion analysis. */
  subjects: TrackPoint[];
  /**
   * Per output-rate source frame f (the pair f → f+1), as the source's motion analysis read it:
   * whether the picture itself zooms there (inside one of its zoom_segments) and whether its
   * motion was measurable at all. What the analyser will read back of the frames an edit shows,
   * before the edit adds its own zooms (absent: not measured).
   */
  motion?: { zooming: Uint8Array; measurable: Uint8Array } | null;
}

export interface EditTarget {
  cut_frequency: number | null;
  tempo_bpm: number | null;
  primary_transition: { type: string; duration_ms: number; easing: string } | null;
  zoom_usage: number | null;
  motion_intensity: number | null;
  /** The template's pacing (StyleJSON extension), when it was measured. */
  pacing?: { acceleration: number; on_beat_share: number | null } | null;
}

export interface EditPlan {
  frames: number;
  segments: EdlSegment[];
  boundaries: EdlBoundary[];
  beats_ms: number[];
  beat_source: "source_music" | "target_tempo" | "none";
  audio_mode: "none" | "continuous" | "spliced";
}

export const PUNCH_IN = 1.4;
export const MIN_SEGMENT_SECONDS = 0.5;
/** Sources with fewer beats than this are treated as having no music. */
const MIN_MUSIC_BEATS = 4;

/** The xfade transition rendering a StyleJSON transition type (the analyser's names and xfade's own). */
export function xfadeType(type: string): string {
  if (type === "cut") return "cut";
  if (type === "dissolve") return "fade"; // xfade's "fade" is a cross-dissolve
  if (type === "fade") return "fadeblack";
  if (type === "wipe") return "wipeleft";
  return XFADE_TRANSITIONS.has(type) ? type : "fade";
}

const XFADE_TRANSITIONS = new Set(
  "fade wipeleft wiperight wipeup wipedown slideleft slideright slideup slidedown circlecrop rectcrop distance fadeblack fadewhite radial smoothleft smoothright smoothup smoothdown circleopen circleclose vertopen vertclose horzopen horzclose dissolve pixelize diagtl diagtr diagbl diagbr hlslice hrslice vuslice vdslice hblur fadegrays wipetl wipetr wipebl wipebr squeezeh squeezev zoomin".split(
    " ",
  ),
);

/** The beats the output's music will have, on the output timeline (seconds), and where they come from. */
export function outputBeats(
  src: EditSource,
  target: EditTarget,
  outFrames: number,
): { beats: number[]; source: EditPlan["beat_source"]; audio: EditPlan["audio_mode"] } {
  const L = outFrames / src.fps;
  const audio = src.has_audio ? "spliced" : "none";
  if (src.has_audio && src.beats_s.length >= MIN_MUSIC_BEATS)
    return { beats: src.beats_s.filter((b) => b >= 0 && b < L), source: "source_music", audio: "continuous" };
  if (target.tempo_bpm && target.tempo_bpm > 0) {
    const period = 60 / target.tempo_bpm;
    const beats: number[] = [];
    for (let k = 0; k * period < L; k++) beats.push(k * period);
    return { beats, source: "target_tempo", audio };
  }
  return { beats: [], source: "none", audio };
}

/**
 * Cut frames on the output timeline. The generator's seam: `aims` are the target rhythm (seconds
 * of the wanted cuts; evenAims spreads them evenly, a pacing curve can pass its own). Each aim is
 * snapped to the nearest beat at least a minimum segment from its neighbours.
 *
 * At full length the source's own cuts (`sourceCuts`) show anyway, so each becomes a cut on the
 * last beat before it that keeps the shot whole: walking in order, with δ the frames the source
 * already runs ahead of the output, the beat b ≤ c − δ (the frames between b + δ and c are
 * dropped, never shown twice; the transition's handles are kept inside each shot). Aims not
 * within half a spacing of such a cut add punch-ins.
 */
export function cutFrames(opts: {
  frames: number;
  fps: number;
  beats: readonly number[];
  aims: readonly number[];
  /** Frames a cut must not sit on (a source transition under the identity mapping). */
  avoid?: (frame: number) => boolean;
  sourceCuts?: readonly number[];
  /** Frames of the transitions to be drawn at the cuts, which a shot must also supply. */
  handles?: number;
  /**
   * The template's share of cuts on a beat (pacing on_beat_share): that share of the aims snap to
   * a beat, the rest midway between two (onBeatPattern), and source cuts move to the midpoints
   * when it is under ½. Null or absent: every cut on a beat.
   */
  onBeatShare?: number | null;
}): number[] {
  const { frames, fps, beats } = opts;
  const period = medianInterval(beats);
  const minLen = Math.max(1, Math.round(Math.max(MIN_SEGMENT_SECONDS, period ?? 0) * fps));
  const toFrames = (times: readonly number[]) =>
    times.length ? [...new Set(times.map((b) => Math.round(b * fps)))].sort((a, b) => a - b) : null;
  const onGrid = toFrames(beats);
  const offGrid = beats.length >= 2 ? toFrames(offBeats(beats)) : onGrid;
  const share = opts.onBeatShare ?? null;
  const onBeat = onBeatPattern(opts.aims.length, share);
  const grid = share !== null && share < 0.5 ? offGrid : onGrid;
  const fits = (c: number, cuts: readonly number[]) =>
    c >= minLen && frames - c >= minLen && !opts.avoid?.(c) && cuts.every((x) => Math.abs(x - c) >= minLen);
  const anchored: number[] = [];
  let delta = 0;
  for (const c of [...(opts.sourceCuts ?? [])].sort((x, y) => x - y)) {
    const post = Math.ceil((opts.handles ?? 0) / 2);
    const pre = Math.floor((opts.handles ?? 0) / 2);
    const limit = c - delta - post;
    const pool = grid ? grid.filter((g) => g <= limit) : [Math.floor(limit)];
    for (let i = pool.length - 1; i >= 0; i--) {
      const b = pool[i];
      if (anchored.length && b - anchored[anchored.length - 1] < minLen) break;
      if (fits(b, anchored)) {
        anchored.push(b);
        delta = c + pre - b;
        break;
      }
      if (limit - b > 2 * minLen) break;
    }
  }
  const aims = opts.aims.map((a) => a * fps);
  const spacing = frames / (aims.length + 1);
  const cuts = [...anchored];
  const window = Math.max(minLen / 2, 1);
  for (const [j, a] of aims.entries()) {
    if (anchored.some((x) => Math.abs(x - a) <= spacing / 2)) continue;
    const aimGrid = onBeat[j] ? onGrid : offGrid;
    const pool = aimGrid ? aimGrid.filter((c) => Math.abs(c - a) <= window) : [Math.round(a)];
    let best: number | null = null;
    for (const c of pool)
      if (fits(c, cuts) && (best === null || Math.abs(c - a) < Math.abs(best - a))) best = c;
    if (best !== null) cuts.push(best);
  }
  return cuts.sort((x, y) => x - y);
}

/**
 * Which of `count` aimed cuts go on a beat, so that their share is the template's on_beat_share
 * (round(count · share) of them), spread evenly: cut j is on the beat when ⌊(j+1)·s + ½⌋ passes
 * ⌊j·s + ½⌋. The others go midway between two beats, so the output is not forced onto a beat its
 * template avoids. Without a measured share (no music in the template), every cut is on a beat.
 */
export function onBeatPattern(count: number, share: number | null): boolean[] {
  const s = share === null ? 1 : Math.min(1, Math.max(0, share));
  return Array.from({ length: count }, (_, j) => Math.floor((j + 1) * s + 0.5) > Math.floor(j * s + 0.5));
}

/** The midpoints between consecutive beats. */
export function offBeats(beats: readonly number[]): number[] {
  return beats.slice(1).map((b, i) => (beats[i] + b) / 2);
}

/** Aims for K evenly spaced cuts matching a cut frequency (edit points per 10 s). */
export function evenAims(seconds: number, cutFrequency: number): number[] {
  return pacedCutTimes(seconds, cutFrequency, 1);
}

function medianInterval(beats: readonly number[]): number | null {
  if (beats.length < 2) return null;
  const d = beats
    .slice(1)
    .map((b, i) => b - beats[i])
    .sort((x, y) => x - y);
  return d[d.length >> 1];
}

/** The shot a source frame lies in (index into shots), or −1 inside a transition. */
function shotOf(shots: readonly SourceShot[], f: number): number {
  for (let i = 0; i < shots.length; i++) if (f >= shots[i].start && f < shots[i].end) return i;
  return -1;
}

/**
 * Source in-points for segments of the given lengths, by dynamic programming over every frame:
 * a segment's core lies inside one shot; in source order. At full length (`slip`), the cost is the
 * distance from the segment's own place and a segment may overlap the previous one by up to
 * `maxOverlap` frames; a highlight maximises activity without overlap. When no placement fits
 * (shots shorter than the segment), a core may contain a source cut, at a high cost.
 */
export function placeSegments(
  src: EditSource,
  lengths: readonly number[],
  mode: { kind: "slip"; starts: readonly number[]; maxOverlap: number } | { kind: "highlight" },
  /** Transition frames each segment needs beyond its core, taken from its own shot when possible. */
  handles: { pre: readonly number[]; post: readonly number[] } = { pre: [], post: [] },
): { starts: number[]; scores: (number | null)[]; lastLength: number } {
  const n = src.frames;
  // Frames until the current shot ends (0 inside a transition), to test "core inside one shot".
  const room = new Int32Array(n + 1);
  for (const s of src.shots) for (let f = s.start; f < s.end; f++) room[f] = s.end - f;
  const act = src.activity;
  const prefix = new Float64Array(n + 1);
  for (let f = 0; f < n; f++) prefix[f + 1] = prefix[f] + (act ? act[f] : 0);
  const CROSS = 1e6;
  const K = lengths.length;
  // At full length the last segment may end early where its shot or the file does: the frames
  // dropped to move source cuts onto beats that repeats at punch-ins did not win back.
  const lenAt = (k: number, p: number): number => {
    const len = lengths[k];
    if (k < K - 1 || mode.kind !== "slip") return len;
    const fit = Math.min(len, room[p], n - p);
    return fit > 0 ? fit : len;
  };
  const cost = (k: number, p: number): number => {
    const len = lenAt(k, p);
    if (p < 0 || p + len > n) return Number.POSITIVE_INFINITY;
    let c = room[p] >= len ? 0 : CROSS * (1 + (room[p] === 0 ? 1 : 0));
    // Handles outside the shot are held frames: allowed, but worse than dropping a few more.
    const pre = handles.pre[k] ?? 0;
    const post = handles.post[k] ?? 0;
    if (c === 0 && (pre || post) && (p - pre < 0 || room[p - pre] < pre + len + post)) c += 4 * (pre + post);
    // at full length: the distance from its own place, and (last segment) twice the frames lost
    if (mode.kind === "slip") c += Math.abs(p - mode.starts[k]) + 2 * (lengths[k] - len);
    else c -= (prefix[p + len] - prefix[p]) / len;
    return c;
  };
  // dp[k][p]: best total cost with segment k at p; back[k][p]: where segment k−1 was.
  const dp: Float64Array[] = [];
  const back: Int32Array[] = [];
  for (let k = 0; k < K; k++) {
    const row = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const from = new Int32Array(n).fill(-1);
    if (k === 0) {
      for (let p = 0; p < n; p++) row[p] = cost(0, p);
    } else {
      const prev = dp[k - 1];
      const gap = lengths[k - 1] - (mode.kind === "slip" ? mode.maxOverlap : 0);
      // running minimum of prev[q] over q ≤ p − gap
      let bestQ = -1;
      let bestV = Number.POSITIVE_INFINITY;
      let q = 0;
      for (let p = 0; p < n; p++) {
        while (q <= p - gap && q < n) {
          if (prev[q] < bestV) {
            bestV = prev[q];
            bestQ = q;
          }
          q++;
        }
        if (bestQ < 0) continue;
        const c = cost(k, p);
        if (c === Number.POSITIVE_INFINITY) continue;
        row[p] = bestV + c;
        from[p] = bestQ;
      }
    }
    dp.push(row);
    back.push(from);
  }
  let p = -1;
  let best = Number.POSITIVE_INFINITY;
  const last = dp[K - 1];
  for (let i = 0; i < n; i++)
    if (last[i] < best || (last[i] === best && mode.kind === "slip" && i === mode.starts[K - 1])) {
      best = last[i];
      p = i;
    }
  if (p < 0) throw new Error("edit: no placement for the segments");
  const starts = new Array<number>(K);
  for (let k = K - 1; k >= 0; k--) {
    starts[k] = p;
    p = back[k][p];
  }
  const scores = starts.map((s, k) =>
    mode.kind === "highlight" && act
      ? Math.round((1000 * (prefix[s + lengths[k]] - prefix[s])) / lengths[k]) / 1000
      : null,
  );
  return { starts, scores, lastLength: lenAt(K - 1, starts[K - 1]) };
}

/** The transition of the target at a boundary, fitted between the two segments. */
export function boundaryTransition(
  target: EditTarget,
  fps: number,
  lenBefore: number,
  lenAfter: number,
): EdlTransition {
  const t = target.primary_transition;
  const type = t ? xfadeType(t.type) : "cut";
  const easing = (EASINGS as readonly string[]).includes(t?.easing ?? "")
    ? (t!.easing as EdlTransition["easing"])
    : "linear";
  if (type === "cut" || !t) return { type: "cut", frames: 0, easing: "linear" };
  const frames = Math.min(Math.round((t.duration_ms * fps) / 1000), lenBefore, lenAfter);
  return frames >= 2 ? { type, frames, easing } : { type: "cut", frames: 0, easing: "linear" };
}

/** Zoom strength: ln-scale per second, from the target's motion intensity (4 %/s calm … 15 %/s busy). */
export function zoomRate(motionIntensity: number | null): number {
  const mi = Math.min(100, Math.max(0, motionIntensity ?? 30));
  return 0.04 + (0.11 * mi) / 100;
}

/**
 * Which segments zoom: the set whose frames come closest to a share of the output equal to
 * zoom_usage, the share of the output's time that zooms, as the analyser counts it (analyze-motion's
 * zoomUsage: zooming pairs over every pair outside a transition), by a subset sum (a segment zooms
 * whole or not at all), ties to the set found first. Without `reads`, every frame of a segment
 * counts; with them (zoomReads), only its frames outside the transitions at its ends count, and
 * those where the source's own picture zooms read as zooming whether the segment zooms or not.
 */
export function zoomingSegments(
  lengths: readonly number[],
  zoomUsage: number | null,
  reads?: SegmentZoomReads,
): boolean[] {
  const share = Math.min(1, Math.max(0, (zoomUsage ?? 0) / 100));
  const counted = reads?.counted ?? lengths;
  const own = reads?.own ?? lengths.map(() => 0);
  const total = counted.reduce((a, b) => a + b, 0);
  const base = own.reduce((a, b) => a + b, 0);
  // what zooming segment k adds to the zooming pairs read back
  const adds = counted.map((c, k) => Math.max(0, c - own[k]));
  const sum = adds.reduce((a, b) => a + b, 0);
  const goal = Math.round(share * total) - base;
  // by[t]: the segment whose addition first reached a sum of t frames (−1: unreached)
  const by = new Int32Array(sum + 1).fill(-1);
  const reached = new Uint8Array(sum + 1);
  reached[0] = 1;
  adds.forEach((len, k) => {
    if (len === 0) return;
    for (let t = sum; t >= len; t--)
      if (!reached[t] && reached[t - len]) {
        reached[t] = 1;
        by[t] = k;
      }
  });
  let best = 0;
  for (let t = 0; t <= sum; t++) if (reached[t] && Math.abs(t - goal) < Math.abs(best - goal)) best = t;
  const out = lengths.map(() => false);
  for (let t = best; t > 0; t -= adds[by[t]]) out[by[t]] = true;
  return out;
}

/** Per segment: the pairs zoom_usage counts (outside the transitions at its ends), and those of them where the source's own picture zooms. */
export interface SegmentZoomReads {
  counted: number[];
  own: number[];
}

/**
 * What the analyser counts of each placed segment (see zoomingSegments): segment k shows source
 * frames p_k … p_k + len_k; the transitions at its ends take ceil(D/2) frames at its start and
 * floor(D/2) at its end out of the count (the analyser skips pairs inside a transition); of the
 * rest, the ones inside the source's own zoom segments (EditSource.motion) read as zooming
 * without a planned zoom. Also gives, over every counted pair, the shares that zoom by themselves
 * and that are measurable (what the fidelity report's unreachable reasons say).
 */
export function zoomReads(
  segments: readonly { source_in: number; source_out: number }[],
  transitionFrames: readonly number[],
  motion: EditSource["motion"],
): SegmentZoomReads & { ownShare: number | null; measurableShare: number | null } {
  const counted: number[] = [];
  const own: number[] = [];
  let measurable = 0;
  segments.forEach((s, k) => {
    const len = s.source_out - s.source_in;
    const from = k > 0 ? Math.ceil((transitionFrames[k - 1] ?? 0) / 2) : 0;
    const to = len - (k < segments.length - 1 ? Math.floor((transitionFrames[k] ?? 0) / 2) : 0);
    let z = 0;
    for (let i = from; i < to; i++) {
      const f = s.source_in + i;
      if (motion?.zooming[f]) z++;
      if (motion?.measurable[f]) measurable++;
    }
    counted.push(Math.max(0, to - from));
    own.push(z);
  });
  const total = counted.reduce((a, b) => a + b, 0);
  const ownTotal = own.reduce((a, b) => a + b, 0);
  return {
    counted,
    own,
    ownShare: motion && total ? ownTotal / total : null,
    measurableShare: motion && total ? measurable / total : null,
  };
}

/** Confidence-weighted mean subject position over a span of source frames, or the centre. */
export function subjectCentre(
  points: readonly TrackPoint[],
  from: number,
  to: number,
): { cx: number; cy: number } {
  return subjectCentreOrNull(points, from, to) ?? { cx: 0.5, cy: 0.5 };
}

function subjectCentreOrNull(
  points: readonly TrackPoint[],
  from: number,
  to: number,
): { cx: number; cy: number } | null {
  let w = 0;
  let x = 0;
  let y = 0;
  for (const p of points) {
    if (p.frame < from || p.frame >= to || p.confidence <= 0) continue;
    w += p.confidence;
    x += p.confidence * p.cx;
    y += p.confidence * p.cy;
  }
  if (w <= 0) return null;
  return { cx: round4(x / w), cy: round4(y / w) };
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** The whole edit: cut frames, placement, boundary kinds, transitions, framing and zooms. */
export function planEdit(opts: {
  source: EditSource;
  target: EditTarget;
  /** False when the style is the source's own: one segment, nothing re-edited. */
  foreign: boolean;
  /** A highlight edit of this length (seconds), or the source's length when absent. */
  durationSeconds?: number | null;
  /** The output's window on the source (share of its width and height; the aspect crop), whole when absent. */
  window?: { width: number; height: number };
}): EditPlan {
  const { source: src, target } = opts;
  const fps = src.fps;
  const highlight =
    opts.durationSeconds !== undefined &&
    opts.durationSeconds !== null &&
    Math.round(opts.durationSeconds * fps) < src.frames;
  const frames = highlight ? Math.max(1, Math.round(opts.durationSeconds! * fps)) : src.frames;
  const { beats, source: beatSource, audio } = outputBeats(src, target, frames);
  const L = frames / fps;
  // the template's acceleration shapes where the cuts go (an even spread without pacing)
  const aims =
    opts.foreign && target.cut_frequency
      ? pacedCutTimes(L, target.cut_frequency, target.pacing?.acceleration ?? 1)
      : [];
  // At full length a segment stays in place: source transitions and cuts map to the same frame.
  const inTransition = (f: number) => shotOf(src.shots, f) < 0;
  const slipMax = Math.round(0.5 * fps);
  // The target's transition length, before fitting to segments: the handles shots must supply.
  const D = boundaryTransition(target, fps, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).frames;
  const cuts = cutFrames({
    frames,
    fps,
    beats,
    aims,
    onBeatShare: target.pacing?.on_beat_share ?? null,
    avoid: highlight ? undefined : inTransition,
    sourceCuts: highlight ? [] : src.shots.map((s) => s.start).filter((f) => f > 0),
    handles: opts.foreign ? D : 0,
  });
  const place = () => {
    const edges = [0, ...cuts, frames];
    const lengths = edges.slice(1).map((e, i) => e - edges[i]);
    const transitions = cuts.map((_, j) => boundaryTransition(target, fps, lengths[j], lengths[j + 1]));
    const placed = placeSegments(
      src,
      lengths,
      highlight ? { kind: "highlight" } : { kind: "slip", starts: edges.slice(0, -1), maxOverlap: slipMax },
      {
        pre: lengths.map((_, k) => (k > 0 ? Math.floor(transitions[k - 1].frames / 2) : 0)),
        post: lengths.map((_, k) => (k < lengths.length - 1 ? Math.ceil(transitions[k].frames / 2) : 0)),
      },
    );
    return { edges, lengths, transitions, ...placed };
  };
  let plan = place();
  // At full length, a last segment that would replay frames or be a sliver (the shot ran out)
  // is merged into the one before: its cut goes.
  const minLen = Math.max(1, Math.round(MIN_SEGMENT_SECONDS * fps));
  while (!highlight && cuts.length) {
    const K = plan.starts.length;
    const prevEnd = plan.starts[K - 2] + plan.lengths[K - 2];
    if (plan.lastLength >= minLen && plan.starts[K - 1] >= prevEnd) break;
    cuts.pop();
    plan = place();
  }
  const { edges, lengths, transitions, starts, scores, lastLength } = plan;
  lengths[lengths.length - 1] = lastLength;
  const outFrames = edges[edges.length - 2] + lastLength;
  const K = lengths.length;
  const kinds: EdlBoundary["kind"][] = cuts.map((_, j) => {
    const endA = starts[j] + lengths[j] - 1;
    const a = shotOf(src.shots, endA);
    const b = shotOf(src.shots, starts[j + 1]);
    if (a !== b || a < 0) return "source_cut";
    return starts[j + 1] === endA + 1 ? "punch_in" : "jump";
  });
  // Framing alternates at every cut that stays in one shot, and resets when the shot changes.
  const base: number[] = [];
  let alt = false;
  for (let k = 0; k < K; k++) {
    if (k > 0) alt = kinds[k - 1] === "source_cut" ? false : !alt;
    base.push(alt ? PUNCH_IN : 1);
  }
  const reads = zoomReads(
    lengths.map((len, k) => ({ source_in: starts[k], source_out: starts[k] + len })),
    transitions.map((t) => t.frames),
    src.motion ?? null,
  );
  const zooming = opts.foreign
    ? zoomingSegments(lengths, target.zoom_usage, reads)
    : lengths.map(() => false);
  const rate = zoomRate(target.motion_intensity);
  const keyRate = Math.min(MAX_KEYS_PER_SECOND, MAX_EDIT_KEYS / Math.max(1, outFrames / fps));
  const segments: EdlSegment[] = lengths.map((len, k) => {
    const p = starts[k];
    const centre = subjectCentre(src.subjects, p, p + len);
    const pre = k > 0 ? Math.floor(transitions[k - 1].frames / 2) : 0;
    const post = k < K - 1 ? Math.ceil(transitions[k].frames / 2) : 0;
    // the zoom runs through the handles too (the renderer spreads it over every frame it draws)
    const to = zooming[k] ? Math.min(4, base[k] * Math.exp((rate * (pre + len + post)) / fps)) : base[k];
    // a moving subject is followed when the framing holds still; a zoom frames its mean place
    const win = { width: (opts.window?.width ?? 1) / base[k], height: (opts.window?.height ?? 1) / base[k] };
    const path = base[k] === round4(to) ? subjectPath(src.subjects, p, p + len, fps, win, keyRate) : null;
    const zoom: EdlZoom = { from: base[k], to: round4(to), ...centre, ...(path ? { path } : {}) };
    const shot = src.shots[shotOf(src.shots, p)] ?? { start: p, end: p + len };
    const lastShot = src.shots[shotOf(src.shots, p + len - 1)] ?? { start: p, end: p + len };
    const preSrc = Math.min(pre, Math.max(0, p - shot.start));
    const postSrc = Math.min(post, Math.max(0, lastShot.end - (p + len)));
    return {
      source_in: p,
      source_out: p + len,
      out_start: edges[k],
      zoom,
      pre: { source: preSrc, hold: pre - preSrc },
      post: { source: postSrc, hold: post - postSrc },
      score: scores[k],
    };
  });
  const beatMs = beats.filter((b) => b * fps < outFrames).map((b) => Math.round(b * 1000));
  const boundaries: EdlBoundary[] = cuts.map((c, j) => ({
    at: c,
    transition: transitions[j],
    kind: kinds[j],
    beat_offset_ms: nearestOffsetMs(beatMs, (1000 * c) / fps),
  }));
  return {
    frames: outFrames,
    segments,
    boundaries,
    beats_ms: beatMs,
    beat_source: beatSource,
    audio_mode: audio,
  };
}

function nearestOffsetMs(beatsMs: readonly number[], tMs: number): number | null {
  const offset = nearestOffset(beatsMs, tMs);
  return offset === null ? null : Math.round(offset);
}
