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
 *  - fewer cuts read back than planned, where the missing ones are punch-ins within continuous
 *    source shots, which the analyser does not see on this footage (a 1.4× crop of texture without
 *    structure reads as the same shot); more read back than asked, where they are the source's own
 *    cuts (the edit keeps every part of the source); and the transition, which cannot be read back
 *    where no cut is seen;
 *  - a zoom_usage over the request where the source's own footage zooms more than that (the edit
 *    adds zooms, it cannot take out the ones in the picture), or under it where the source's
 *    motion is measurable on less than half of its frame pairs.
 */
export function unreachableEdit(
  report: FidelityReport,
  edl: EditDecisionList,
  loudness: AudioPlan["loudness"],
  /** The source's own zoom_usage (its Style DNA) and the share of its frame pairs whose motion was measurable. */
  sourceMotion: { zoom: number | null; measurable: number | null },
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
    const seconds = edl.output.frames / edl.fps;
    const seen = Math.round((cuts.achieved * seconds) / 10);
    const punchIns = edl.boundaries.filter((b) => b.kind === "punch_in").length;
    const sourceCuts = edl.boundaries.filter((b) => b.kind === "source_cut").length;
    if (cuts.achieved < cuts.requested && punchIns > 0 && seen <= edl.boundaries.length - punchIns)
      out.cut_frequency =
        `${punchIns} of the ${edl.boundaries.length} planned cuts fall inside continuous source shots, so they are ` +
        "punch-ins, and none shows on this footage: a closer crop of texture without structure reads as the same shot";
    else if (cuts.achieved > cuts.requested && sourceCuts > 0 && seen <= sourceCuts && punchIns === 0)
      out.cut_frequency =
        `the source's own cuts (${sourceCuts}) are in the picture: the edit keeps every part of the source, so it ` +
        "cannot take them out";
    if (seen === 0) {
      const why = "no transition can be read back where no cut is seen (see cut_frequency)";
      unmeasurable["primary_transition.type"] = why;
      unmeasurable["primary_transition.duration_ms"] = why;
    }
  }
  const zoom = field("zoom_usage");
  const { zoom: sourceZoom, measurable } = sourceMotion;
  if (outside.has("zoom_usage") && typeof zoom?.achieved === "number" && typeof zoom.requested === "number") {
    if (
      zoom.achieved > zoom.requested &&
      sourceZoom !== null &&
      sourceZoom > zoom.requested + TOLERANCES.zoom_usage
    )
      out.zoom_usage =
        `the source's own footage zooms ${Math.round(sourceZoom)} % of its time: the edit adds zooms, ` +
        "it cannot take out the ones in the picture";
    else if (zoom.achieved < zoom.requested && measurable !== null && measurable < 0.5)
      out.zoom_usage =
        `the source's motion is measurable on ${Math.round(100 * measurable)} % of its frame pairs (too little stable ` +
        "texture), so the zooms the edit adds cannot be read back on the rest";
  }
  return { unreachable: out, unmeasurable };
}
