import {
  type ColorGrade,
  type FidelityReport,
  type FidelityRound,
  FidelityRoundSchema,
  type StyleJson,
} from "@clipzy/contracts";
import { z } from "zod";
import { TOLERANCES } from "./fidelity.js";
import {
  type ColorTransfer,
  composeCurves,
  distributionTransfer,
  type YuvCurves,
} from "./video/color-transfer.js";
import { rawGrade } from "./video/grade-model.js";
import { type ColorProfile, profileOfPoints, w1Lab } from "./video/lab.js";
import { renderSample, solveResidual } from "./video/residual-transfer.js";

/**
 * The closed loop's model, pure: what a round on a proxy measured (FidelityRound), how good a
 * round is (loopScore), and what the next round changes (nextCorrections): the colour by a
 * residual transfer measured from the proxy and composed onto the curves it rendered with, the
 * loudness by the exact remaining gain (secant steps when a limiter bends the response), zoom
 * and cut counts by what the proxy read back short of the request. The style-applier runs it
 * (render a proxy, re-measure it as the fidelity stage does, correct) for at most
 * LOOP_MAX_ROUNDS rounds and keeps the best round's plan for the final encode.
 */
export const LOOP_MAX_ROUNDS = 3;

/**
 * Sources taller than this are rendered by the loop from an intermediate of this height (every
 * frame scaled once, its timestamps and audio kept): the 1080p decode would otherwise dominate
 * every proxy. Video analysis writes it during its own decode of the source (one decode for
 * both), so the loop does not decode the full-resolution source again.
 */
export const LOOP_INTERMEDIATE_HEIGHT = 288;

/** A size in pixels rounded to an even number, at least 2 (what 4:2:0 video needs). */
export const even = (x: number): number => Math.max(2, Math.round(x / 2) * 2);

/** The loop's intermediate for a source, or null when the source is small enough to render from. */
export function intermediateSize(width: number, height: number): { width: number; height: number } | null {
  if (height <= LOOP_INTERMEDIATE_HEIGHT) return null;
  return { width: even((width * LOOP_INTERMEDIATE_HEIGHT) / height), height: LOOP_INTERMEDIATE_HEIGHT };
}

/** artifacts/<job>/closed_loop.json: the rounds and what the loop found it cannot reach. */
export const CLOSED_LOOP_VERSION = 1;
export const ClosedLoopArtifactSchema = z
  .object({
    version: z.literal(CLOSED_LOOP_VERSION),
    /** The round whose plan the final encode uses (1-based; 0 when no round ran). */
    chosen: z.number().int().min(0),
    rounds: z.array(FidelityRoundSchema),
    /** Field ("color_grade.contrast", "loudness_lufs", "colour") → why it cannot be reached. */
    unreachable: z.record(z.string(), z.string()),
    /** Field → why it cannot be read back on this output (applies to an `unmeasured` verdict). */
    unmeasurable: z.record(z.string(), z.string()),
    /** Wall time of the loop (its intermediate, its rounds), seconds: what the loop adds to the job. */
    seconds: z.object({ intermediate: z.number().min(0), total: z.number().min(0) }).strict(),
  })
  .strict();
export type ClosedLoopArtifact = z.infer<typeof ClosedLoopArtifactSchema>;

/** What a round changes against the plan as first made. */
export interface Corrections {
  /** The colour curves to render with (null: the plan's own). */
  curves: YuvCurves | null;
  /** Added to the loudness target (LU): what the proxies measured short of it. */
  trimDb: number;
  /** The zoom_usage and cut_frequency the edit is planned for (null: the requested ones). */
  zoomUsage: number | null;
  cutFrequency: number | null;
}

export const NO_CORRECTIONS: Corrections = { curves: null, trimDb: 0, zoomUsage: null, cutFrequency: null };

/** A round as the report records it: each applied field as measured on the proxy. */
export function roundOf(n: number, changed: readonly string[], report: FidelityReport): FidelityRound {
  return {
    round: n,
    measured_on: report.measured_on,
    changed: [...changed],
    colour_share: report.colour.share_of_the_way,
    fields: report.fields
      .filter((f) => f.applied)
      .map((f) => ({ field: f.field, achieved: f.achieved, verdict: f.verdict })),
  };
}

const OUTSIDE = new Set(["outside", "unreachable"]);

/** Fields outside their tolerance on a report (applied ones; "colour" for the colour share). */
export function outsideFields(report: FidelityReport): string[] {
  const out = report.fields.filter((f) => f.applied && OUTSIDE.has(f.verdict)).map((f) => f.field);
  if (OUTSIDE.has(report.colour.verdict)) out.push("colour");
  return out;
}

/**
 * How far a round is from done, lower is better: fields outside first, then their excess over
 * the tolerance (in tolerances), then the colour share short of the goal.
 */
export function loopScore(report: FidelityReport, sourceGrade?: ColorGrade | null): number {
  let excess = 0;
  for (const f of report.fields) {
    if (!f.applied || !OUTSIDE.has(f.verdict) || f.difference === null) continue;
    const tol = toleranceOf(f.field, f.requested);
    excess += Math.min(10, Math.abs(f.difference) / tol - 1);
  }
  const share = report.colour.share_of_the_way;
  // a colour share a third under the goal weighs like a field outside: a round that traded the
  // colour away for a count is not the better one
  const colourShort = share === null ? 0 : Math.max(0, TOLERANCES.colour_share - share) * 300;
  // contrast or shadows moved the wrong way outweighs any number of fields outside (issue 20: never)
  const wrong = sourceGrade ? wrongWay(report, sourceGrade).length : 0;
  return 100 * outsideFields(report).length + 10_000 * wrong + excess + colourShort;
}

/**
 * The grade numbers that must at least move the right way (issue 20), and on a report those of
 * them outside their tolerance that moved away from the request: from the source's own number
 * the other way than the request (where the two differ by more than the tolerance).
 */
export const RIGHT_WAY = ["contrast", "shadows"] as const;

export function wrongWay(report: FidelityReport, sourceGrade: ColorGrade): string[] {
  const out: string[] = [];
  for (const k of RIGHT_WAY) {
    const f = report.fields.find((x) => x.field === `color_grade.${k}`);
    const own = sourceGrade[k];
    if (!f?.applied || f.verdict === "within" || typeof f.requested !== "number") continue;
    if (typeof f.achieved !== "number" || Math.abs(f.requested - own) <= TOLERANCES.color_grade) continue;
    if (Math.sign(f.achieved - own) !== Math.sign(f.requested - own)) out.push(k);
  }
  return out;
}

function toleranceOf(field: string, requested: number | string | null): number {
  if (field.startsWith("color_grade.")) return TOLERANCES.color_grade;
  if (field === "loudness_lufs") return TOLERANCES.loudness_lu;
  if (field === "zoom_usage") return TOLERANCES.zoom_usage;
  if (field === "frame_rate") return TOLERANCES.frame_rate;
  if (field === "primary_transition.duration_ms") return TOLERANCES.transition_duration_ms;
  if (field === "cut_frequency")
    return Math.max(TOLERANCES.cut_frequency_min, TOLERANCES.cut_frequency_share * Number(requested ?? 0));
  return 1;
}

const GRADE = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;

export interface LoopState {
  requested: StyleJson;
  /** The transfer the plan was made with (its curves are what round 1 rendered). */
  transfer: ColorTransfer | null;
  template: ColorProfile | null;
  /** The source's pixel sample (packed rgb24, from its analysis): a residual's composition is checked on it. */
  sourceSample: Uint8Array;
  /** The source's own six numbers (its Style DNA), which contrast and shadows must move away from towards the request. */
  sourceGrade?: ColorGrade | null;
  /** Each round so far: its corrections and its report, first to last. */
  history: {
    corrections: Corrections;
    report: FidelityReport;
    /** The proxy's colour, and the share of its counted pairs whose motion was measurable. */
    proxy: {
      profile: ColorProfile;
      sample: Uint8Array;
      motionMeasurable?: number | null;
      /** The edit points its analysis detected (seconds). */
      edits?: readonly { start_seconds: number; duration_seconds: number }[];
    };
  }[];
}

/**
 * The next round's corrections from the last round's measurement, or null when nothing that is
 * outside can be corrected. `changed` says what, for the round's record.
 */
export interface NextRound {
  corrections: Corrections;
  changed: string[];
  /** What the colour re-solve predicts the next proxy measures (null when it did not run). */
  predicted: ColourPrediction | null;
}

export interface ColourPrediction {
  grade: ColorGrade;
  /** Share of the way to the template, when there is one. */
  share: number | null;
}

export function nextCorrections(s: LoopState): NextRound | null {
  const last = s.history[s.history.length - 1];
  const field = (name: string) => last.report.fields.find((f) => f.field === name && f.applied);
  const out = new Set(outsideFields(last.report));
  const c: Corrections = { ...last.corrections };
  const changed: string[] = [];
  const current = c.curves ?? s.transfer?.curves ?? null;
  let predicted: ColourPrediction | null = null;

  // counts first, once: a re-planned edit shows other frames (punch-ins, zooms, other pieces), so
  // the colour measured on the last proxy would not hold for it; the colour is corrected from the
  // next round on, on the edit it will be encoded with
  const recounted = s.history.some(
    (h) => h.corrections.zoomUsage !== null || h.corrections.cutFrequency !== null,
  );
  // the request moved by what the proxy read short of it
  const recount = (name: "zoom_usage" | "cut_frequency", planned: number | null) => {
    const f = field(name);
    const want = s.requested[name];
    if (recounted || !out.has(name) || typeof f?.difference !== "number" || want === null) return null;
    return (planned ?? want) - f.difference;
  };
  const zoom = recount("zoom_usage", c.zoomUsage);
  if (zoom !== null) {
    c.zoomUsage = Math.max(0, Math.min(100, Math.round(zoom)));
    changed.push(`zoom_usage planned ${c.zoomUsage}`);
  }
  const cuts = recount("cut_frequency", c.cutFrequency);
  if (cuts !== null) {
    c.cutFrequency = Math.max(0, round2(cuts));
    changed.push(`cut_frequency planned ${c.cutFrequency}`);
  }
  const editChanged = changed.length > 0;

  // colour: a residual transfer from the proxy to the template (distribution), then a re-solve of
  // the six numbers (and W1) on the proxy's pixels as that leaves them, composed onto the curves
  const gradeOut = GRADE.filter((k) => out.has(`color_grade.${k}`));
  if (!editChanged && current && s.transfer && (out.has("colour") || gradeOut.length)) {
    const transfer = s.transfer;
    // with the distribution residual first (colour share outside), else the re-solve alone; a
    // candidate whose composed curves do not move the source's own pixels as the sequential
    // prediction moves the proxy's colour share (steep curves compose badly at 17 knots) is dropped
    const withDistribution = transfer.method === "distribution" && s.template !== null && out.has("colour");
    const modes: CandidateMode[] = withDistribution ? ["distribution", "re-solve"] : ["re-solve"];
    // contrast or shadows the wrong way: last, a re-solve of the six numbers alone (no template term)
    if (s.sourceGrade && wrongWay(last.report, s.sourceGrade).length && template(s)) modes.push("grade");
    // none consistent: the first candidate anyway (a wrong guess costs one round: the loop stops
    // after a round that came less of the way, and the best round is kept), rather than leave the
    // colour as first planned
    let pick: { mode: CandidateMode; candidate: NonNullable<ReturnType<typeof colourCandidate>> } | null =
      null;
    for (const mode of modes) {
      const candidate = colourCandidate(s, last, current, mode);
      if (candidate && (!pick || candidate.consistent)) pick = { mode, candidate };
      if (candidate?.consistent) break;
    }
    if (pick) {
      const { mode, candidate } = pick;
      if (!candidate.consistent)
        changed.push("color (its change on the source's pixels differs from the proxy's)");
      predicted = candidate.predicted;
      c.curves = candidate.curves;
      changed.push(
        ...candidate.changed.map((x) =>
          x === "re-solve"
            ? `${resolveLabel(gradeOut, candidate.predicted)}${mode === "grade" ? " on the six numbers alone (contrast or shadows the wrong way)" : ""}`
            : x,
        ),
      );
    }
  }

  // loudness: the remaining gain, scaled by the response the rounds so far measured
  const loud = field("loudness_lufs");
  if (out.has("loudness_lufs") && typeof loud?.difference === "number") {
    const step = -loud.difference / responseSlope(s.history);
    c.trimDb = round2(c.trimDb + Math.max(-30, Math.min(30, step)));
    changed.push(`gain ${fmtSigned(round2(c.trimDb - last.corrections.trimDb))} dB`);
  }

  return changed.length ? { corrections: c, changed, predicted } : null;
}

/**
 * Colour targets the loop could not reach and why: a field (or the colour share) still outside
 * on the chosen round, for which the last re-solve, the best the per-plane curves found on the
 * proxy's own pixels, also stayed outside.
 */
export function unreachableColour(
  report: FidelityReport,
  predicted: ColourPrediction | null,
  requested: StyleJson,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!predicted) return out;
  const outside = new Set(outsideFields(report));
  for (const k of GRADE) {
    const want = requested.color_grade?.[k];
    const best = predicted.grade[k];
    if (
      !outside.has(`color_grade.${k}`) ||
      want === undefined ||
      Math.abs(best - want) <= TOLERANCES.color_grade
    )
      continue;
    out[`color_grade.${k}`] =
      `per-plane Y/U/V curves do not reach ${Math.round(want)} on this footage: the re-solve on the proxy's pixels ` +
      `came to ${Math.round(best)} at best (it trades against the other five numbers and the template's distribution)`;
  }
  if (outside.has("colour") && predicted.share !== null && predicted.share < TOLERANCES.colour_share)
    out.colour =
      `per-plane Y/U/V curves do not bring this footage's colours closer to the template's: the re-solve on ` +
      `the proxy's pixels came ${predicted.share.toFixed(2)} of the way at best (a per-plane curve cannot rotate hues ` +
      `or make chroma depend on luma)`;
  return out;
}

/**
 * The last round changed the colour and its proxy came less of the way to the template than the
 * round before: a further residual would be composed onto a worse one, so the loop stops there
 * (the best round is kept) rather than spend a round on it.
 */
export function colourWorsened(history: LoopState["history"]): boolean {
  if (history.length < 2) return false;
  const [a, b] = history.slice(-2);
  const before = a.report.colour.share_of_the_way;
  const after = b.report.colour.share_of_the_way;
  return (
    b.corrections.curves !== a.corrections.curves &&
    before !== null &&
    after !== null &&
    after < before - COLOUR_WORSE
  );
}

/** A drop in the colour share that counts as worse (proxies of one plan differ by less). */
const COLOUR_WORSE = 0.005;

/** Measured loudness change per dB of trim over the last two rounds that moved it (1 without). */
function responseSlope(history: LoopState["history"]): number {
  for (let i = history.length - 1; i > 0; i--) {
    const a = history[i - 1];
    const b = history[i];
    const dt = b.corrections.trimDb - a.corrections.trimDb;
    const la = a.report.fields.find((f) => f.field === "loudness_lufs")?.achieved;
    const lb = b.report.fields.find((f) => f.field === "loudness_lufs")?.achieved;
    if (Math.abs(dt) > 0.05 && typeof la === "number" && typeof lb === "number")
      return Math.max(0.3, Math.min(1.2, (lb - la) / dt));
  }
  return 1;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const resolveLabel = (fields: readonly string[], p: ColourPrediction) => {
  const moved = fields.map((k) => `${k} → ${Math.round(p.grade[k as keyof ColorGrade])}`);
  return `color re-solve${moved.length ? ` (${moved.join(", ")})` : ""}`;
};

/**
 * How far the composed curves may move the source's colour share differently from how the
 * sequential prediction moves the proxy's. (The six numbers are not compared: near ±100 they
 * saturate differently on two samples; a wrong guess there costs a round, and the best round is
 * kept.)
 */
const CONSISTENT = { share: 0.25 };

/** A colour candidate: a distribution residual then the re-solve; the re-solve; the re-solve of the six numbers alone. */
type CandidateMode = "distribution" | "re-solve" | "grade";

const template = (s: LoopState) => (s.transfer?.method === "distribution" ? s.template : null);

function colourCandidate(
  s: LoopState,
  last: LoopState["history"][number],
  current: YuvCurves,
  mode: CandidateMode,
): { curves: YuvCurves; predicted: ColourPrediction; changed: string[]; consistent: boolean } | null {
  let curves = current;
  let sample = last.proxy.sample;
  const changed: string[] = [];
  if (mode === "distribution" && s.template) {
    const residual = distributionTransfer(last.proxy.profile, sample, s.template);
    curves = composeCurves(residual.curves, curves);
    sample = renderSample(sample, residual.curves);
    changed.push("color residual (distribution)");
  }
  const src = last.report.colour.source_to_template;
  const tpl = template(s);
  const solved = solveResidual(sample, {
    grade: s.requested.color_grade,
    template: mode === "grade" ? null : tpl,
    sourceToTemplate: src,
  });
  if (solved) {
    curves = composeCurves(solved.curves, curves);
    changed.push("re-solve");
  }
  if (!changed.length) return null;
  const predictedSample = solved ? renderSample(sample, solved.curves) : sample;
  const measure = (rgb: Uint8Array) => {
    const pts: [number, number, number][] = [];
    for (let i = 0; i + 2 < rgb.length; i += 3) pts.push([rgb[i] / 255, rgb[i + 1] / 255, rgb[i + 2] / 255]);
    const profile = profileOfPoints(pts);
    const share = tpl && src ? 1 - w1Lab(profile.quantiles, tpl.quantiles) / src : null;
    return { grade: rawGrade(profile), share };
  };
  const before = measure(last.proxy.sample);
  const after = measure(predictedSample);
  // the same change seen on the source's pixels through the composed curves, against the curves rendered
  const srcBefore = measure(renderSample(s.sourceSample, current));
  const srcAfter = measure(renderSample(s.sourceSample, curves));
  const consistent = !(
    after.share !== null &&
    before.share !== null &&
    srcAfter.share !== null &&
    srcBefore.share !== null &&
    Math.abs(srcAfter.share - srcBefore.share - (after.share - before.share)) > CONSISTENT.share
  );
  return { curves, predicted: { grade: after.grade, share: after.share }, changed, consistent };
}
const fmtSigned = (x: number) => (x >= 0 ? `+${x}` : String(x));
