import type { FidelityReport } from "@clipzy/contracts";
import { LIMITER_CURVE_MAX_DB } from "@clipzy/models/audio/limiter";
import { type AudioPlan, RENDER_CEILING_DBTP } from "@clipzy/models/audio/render-model";
import { type Corrections, even, outsideFields } from "@clipzy/models/closed-loop";
import type { EditDecisionList } from "@clipzy/models/edit/edl";
import { TOLERANCES } from "@clipzy/models/fidelity";
import { colorFilter } from "@clipzy/models/video/color-transfer";

/**
 * The closed loop's proxy: the planned EDL rendered by the same graph at low resolution with a
 * fast preset. The 1080p decode of a source dominates such a render, so a source taller than
 * LOOP_INTERMEDIATE_HEIGHT is rendered from a low-resolution intermediate (every frame, its
 * timestamps and its audio kept; written by video analysis during its own decode, or by the loop
 * when that one is missing), and every round renders from that: the proxy EDL is the EDL
 * with its source, crop and output sizes scaled to it (zoom centres and subject paths are in
 * normalised coordinates, so they carry over unchanged).
 */
export const PROXY = {
  /** Output height of a proxy (its width follows the output's aspect). */
  maxHeight: 144,
  crf: 26,
  preset: "ultrafast",
} as const;

/** The EDL as a proxy rendered from an input of `input` size (the source's, or its intermediate's). */
export function proxyEdl(edl: EditDecisionList, input: { width: number; height: number }): EditDecisionList {
  const fx = input.width / edl.source.width;
  const fy = input.height / edl.source.height;
  const crop =
    edl.crop.width === edl.source.width && edl.crop.height === edl.source.height
      ? { width: input.width, height: input.height }
      : {
          width: Math.min(input.width, even(edl.crop.width * fx)),
          height: Math.min(input.height, even(edl.crop.height * fy)),
        };
  const height = Math.min(edl.output.height, PROXY.maxHeight - (PROXY.maxHeight % 2));
  const width = even((edl.output.width * height) / edl.output.height);
  return {
    ...edl,
    source: { ...edl.source, width: input.width, height: input.height },
    crop,
    output: { ...edl.output, width, height },
    encode: { crf: PROXY.crf, preset: PROXY.preset, max_height: height },
  };
}

/** The EDL with a round's colour curves and audio chain (the edit itself is re-planned, not patched). */
export function withCorrections(
  edl: EditDecisionList,
  c: Corrections,
  audioFilters: string | null,
): EditDecisionList {
  const transfer =
    edl.colour.transfer && c.curves ? { ...edl.colour.transfer, curves: c.curves } : edl.colour.transfer;
  return {
    ...edl,
    colour: { ...edl.colour, transfer, filter: transfer ? colorFilter(transfer.curves) : edl.colour.filter },
    audio: { ...edl.audio, filters: edl.audio.filters === null ? null : audioFilters },
  };
}

/**
 * Edit and loudness targets the loop could not reach on the chosen round, with the reason:
 *  - loudness still short of a target whose gain needs more limiting than the engine allows;
 *  - a cut_frequency no whole number of cuts can meet on an output this long (each cut is
 *    10 / seconds per 10 s); more read back than asked, where the source's own cuts alone are more
 *    than the request allows (the edit keeps every part of the source); or, where the plan's own
 *    count is within, the planned cuts the proxy's analysis did not detect (a punch-in or jump
 *    within a shot of texture without structure reads as the same shot) or the edit points it
 *    detected where none is planned (the content itself changes abruptly). Without the proxy's
 *    edit points: fewer read back, where every missing one is a punch-in. The transition cannot
 *    be read back where no cut is seen;
 *  - a zoom_usage over the request where the source frames the edit shows zoom by themselves on
 *    more of its counted time than the request allows (the edit adds zooms, it cannot take out
 *    the ones in the picture), or under it where the output's motion is measurable on less of it
 *    than the request less its tolerance (zooms on the rest cannot be read back).
 */
export function unreachableEdit(
  report: FidelityReport,
  edl: EditDecisionList,
  loudness: AudioPlan["loudness"],
  /**
   * Of the pairs zoom_usage counts (outside transitions), the shares whose source frames zoom by
   * themselves and whose motion is measurable (edit.ts zoomReads), and the share measurable on
   * the chosen round's proxy (null: unknown).
   */
  shown: { ownShare: number | null; measurableShare: number | null; outputMeasurable: number | null },
  /** The edit points the chosen round's proxy read back (seconds; null: unknown). */
  edits: readonly { start_seconds: number; duration_seconds: number }[] | null = null,
): { unreachable: Record<string, string>; unmeasurable: Record<string, string> } {
  const out: Record<string, string> = {};
  const unmeasurable: Record<string, string> = {};
  const outside = new Set(outsideFields(report));
  const field = (name: string) => report.fields.find((f) => f.field === name);
  const loud = field("loudness_lufs");
  if (
    outside.has("loudness_lufs") &&
    loudness &&
    !loudness.reachable &&
    typeof loud?.achieved === "number" &&
    typeof loud.requested === "number" &&
    loud.achieved < loud.requested
  )
    out.loudness_lufs =
      `the target loudness needs more limiting than the engine allows (${LIMITER_CURVE_MAX_DB} dB over its ` +
      `${RENDER_CEILING_DBTP} dBTP ceiling): the source's peaks stand too far above its loudness`;
  const cuts = field("cut_frequency");
  if (
    outside.has("cut_frequency") &&
    typeof cuts?.achieved === "number" &&
    typeof cuts.requested === "number"
  ) {
    const why = cutReason(edl, cuts.requested, cuts.achieved, edits);
    if (why) out.cut_frequency = why;
    const seconds = edl.output.frames / edl.fps;
    if (Math.round((cuts.achieved * seconds) / 10) === 0) {
      const why = "no transition can be read back where no cut is seen (see cut_frequency)";
      unmeasurable["primary_transition.type"] = why;
      unmeasurable["primary_transition.duration_ms"] = why;
    }
  }
  const zoom = field("zoom_usage");
  const { ownShare, measurableShare, outputMeasurable } = shown;
  // what limits the read-back: the output's own measurable pairs (the grade can flatten texture), else the source's
  const measurable = outputMeasurable ?? measurableShare;
  if (outside.has("zoom_usage") && typeof zoom?.achieved === "number" && typeof zoom.requested === "number") {
    if (
      zoom.achieved > zoom.requested &&
      ownShare !== null &&
      100 * ownShare > zoom.requested + TOLERANCES.zoom_usage
    )
      out.zoom_usage =
        `the source frames the edit shows zoom by themselves on ${Math.round(100 * ownShare)} % of the output's ` +
        "time outside transitions: the edit adds zooms, it cannot take out the ones in the picture";
    else if (
      zoom.achieved < zoom.requested &&
      measurable !== null &&
      100 * measurable < zoom.requested - TOLERANCES.zoom_usage
    )
      out.zoom_usage =
        measurableShare !== null && measurableShare - measurable > 0.2
          ? `the graded output's motion is measurable on ${pct(measurable)} of its time outside transitions, ` +
            `the source frames it shows on ${pct(measurableShare)} before the grade: the grade leaves too little ` +
            "texture for the motion analyser, so the zooms the edit adds cannot be read back on the rest"
          : `the output's motion is measurable on ${pct(measurable)} of its time outside transitions: too little ` +
            "stable texture in the source's picture, so the zooms the edit adds cannot be read back on the rest";
  }
  return { unreachable: out, unmeasurable };
}

const pct = (x: number) => `${Math.round(100 * x)} %`;

const KIND = { punch_in: "punch-in", jump: "jump cut", source_cut: "source cut" } as const;

/** Why a cut_frequency outside its tolerance cannot be met (see unreachableEdit), or null. */
function cutReason(
  edl: EditDecisionList,
  requested: number,
  achieved: number,
  edits: readonly { start_seconds: number; duration_seconds: number }[] | null,
): string | null {
  const seconds = edl.output.frames / edl.fps;
  const per = 10 / seconds;
  const tol = Math.max(TOLERANCES.cut_frequency_min, TOLERANCES.cut_frequency_share * requested);
  const fits = (k: number) => Math.abs(k * per - requested) <= tol;
  const near = Math.max(0, Math.floor(requested / per));
  if (!fits(near) && !fits(near + 1))
    return (
      `the output is ${seconds.toFixed(2)} s long, so each cut adds ${per.toFixed(2)} per 10 s: ${near} cuts read ` +
      `${(near * per).toFixed(2)} and ${near + 1} read ${((near + 1) * per).toFixed(2)}, neither within ±${tol.toFixed(2)} of ${requested}`
    );
  const planned = edl.boundaries.length;
  const sourceCuts = edl.boundaries.filter((b) => b.kind === "source_cut").length;
  if (achieved > requested && sourceCuts * per > requested + tol)
    return (
      `the source's own cuts (${sourceCuts}) are in the picture: the edit keeps every part of the source, so it ` +
      "cannot take them out"
    );
  // enough cuts planned (fewer read back) or few enough (more read back): the read-back is at fault
  const under = achieved < requested && planned * per >= requested - tol;
  const over = achieved > requested && planned * per <= requested + tol;
  if (!under && !over) return null;
  const punchIns = edl.boundaries.filter((b) => b.kind === "punch_in").length;
  if (!edits) {
    const seen = Math.round((achieved * seconds) / 10);
    return under && punchIns > 0 && seen <= planned - punchIns
      ? `${punchIns} of the ${planned} planned cuts fall inside continuous source shots, so they are punch-ins, ` +
          "and none shows on this footage: a closer crop of texture without structure reads as the same shot"
      : null;
  }
  // a planned cut is read back where a detected edit point spans it (± two frames)
  const slack = 2 / edl.fps;
  const spans = (b: { at: number }, e: { start_seconds: number; duration_seconds: number }) =>
    b.at / edl.fps >= e.start_seconds - slack &&
    b.at / edl.fps <= e.start_seconds + e.duration_seconds + slack;
  const unseen = edl.boundaries.filter((b) => !edits.some((e) => spans(b, e)));
  const extra = edits.filter((e) => !edl.boundaries.some((b) => spans(b, e)));
  const at = (t: number) => `${t.toFixed(2)} s`;
  if (under && unseen.length)
    return (
      `${unseen.length} of the ${planned} planned cuts do not show on this footage (` +
      unseen.map((b) => `the ${KIND[b.kind]} at ${at(b.at / edl.fps)}`).join(", ") +
      "): the analyser reads the frames either side as one shot (a closer crop or a jump within texture " +
      "without structure looks the same)"
    );
  if (over && extra.length)
    return (
      `the analyser reads ${extra.length} edit point${extra.length > 1 ? "s" : ""} where the edit has no cut (` +
      extra.map((e) => `at ${at(e.start_seconds)}`).join(", ") +
      "): the source's own content changes abruptly there, inside what its analysis read as one shot"
    );
  return null;
}
