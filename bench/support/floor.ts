/** The commands issue 14's floor and the render are measured with (bench/job.ts, bench/render.ts). */

import { renderArgs } from "../../services/lib-media/src/render-graph.js";
import type { EditDecisionList } from "../../services/lib-models/src/edit/edl.js";

/**
 * The floor's encode: `input` with a simple `eq` grade at the EDL's encoder settings (libx264
 * preset and CRF, frame rate, AAC bitrate). `outputArgs` end the command (a file, or a null sink).
 */
export function eqEncodeArgs(edl: EditDecisionList, input: string, outputArgs: string[]): string[] {
  return [
    ...["-hide_banner", "-nostdin", "-y", "-i", input, "-vf", "eq=contrast=1.1:saturation=1.1"],
    ...["-c:v", "libx264", "-preset", edl.encode.preset, "-crf", String(edl.encode.crf)],
    ...["-r", edl.fps_fraction, "-c:a", "aac", "-b:a", `${edl.audio.bitrate_kbps}k`, ...outputArgs],
  ];
}

/** The render's own command for `edl`, without its progress output: the render with nothing around it. */
export function bareRenderArgs(edl: EditDecisionList, input: string, output: string): string[] {
  return renderArgs(edl, input, output).filter((a) => a !== "-progress" && a !== "pipe:1");
}
