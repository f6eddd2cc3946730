import type { Corrections } from "@clipzy/models/closed-loop";
import type { EditDecisionList } from "@clipzy/models/edit/edl";
import { colorFilter } from "@clipzy/models/video/color-transfer";

/**
 * The closed loop's proxy: the planned EDL rendered by the same graph at low resolution with a
 * fast preset. The 1080p decode of a source dominates such a render, so a source taller than
 * INTERMEDIATE_HEIGHT is first scaled once to a low-resolution intermediate (every frame, its
 * timestamps and its audio kept), and every round renders from that: the proxy EDL is the EDL
 * with its source, crop and output sizes scaled to it (zoom centres and subject paths are in
 * normalised coordinates, so they carry over unchanged).
 */
export const PROXY = {
  /** Output height of a proxy (its width follows the output's aspect). */
  maxHeight: 144,
  crf: 26,
  preset: "ultrafast",
  /** Sources taller than this are rendered from an intermediate of this height. */
  intermediateHeight: 288,
} as const;

const even = (x: number) => Math.max(2, Math.round(x / 2) * 2);

/** The intermediate's size for a source, or null when the source is small enough to render from. */
export function intermediateSize(width: number, height: number): { width: number; height: number } | null {
  if (height <= PROXY.intermediateHeight) return null;
  return { width: even((width * PROXY.intermediateHeight) / height), height: PROXY.intermediateHeight };
}

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
