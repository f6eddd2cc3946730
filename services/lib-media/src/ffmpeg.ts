/**
 * The media edge: every ffmpeg and ffprobe run of the services goes through here (a spawned child
 * killed on abort, with its stderr tail, span and cost; see @clipzy/platform/process). Arguments
 * are built by pure code beside each caller (decodeArgs, renderArgs, …) and only executed here.
 * One probe (probeMedia) serves every reader: what each needs of it is derived by pure code
 * (probe.ts: videoStreamInfo, audioStreamInfo, and the upload's interpretProbe).
 */
import { runTool, type SpawnedTool, type SpawnToolOptions, spawnTool } from "@clipzy/platform/process";
import type { ProbeJson } from "./probe.js";

export interface RunOptions {
  signal?: AbortSignal;
  /** Feed stdin from this stream (otherwise stdin is ignored). */
  stdin?: SpawnToolOptions["stdin"];
}

/** Runs ffmpeg to its end; resolves with its stdout, rejects with ProcessError (its stderr tail). */
export function runFfmpeg(args: readonly string[], options: RunOptions = {}): Promise<string> {
  return runTool("ffmpeg", args, options);
}

/** Starts ffmpeg whose output the caller streams (stdout, extra pipes). */
export function spawnFfmpeg(args: readonly string[], options: SpawnToolOptions = {}): SpawnedTool {
  return spawnTool("ffmpeg", args, options);
}

/** ffprobe's arguments for the one probe: every stream and the container, as JSON. */
export const probeArgs = (location: string) => [
  "-v",
  "error",
  "-print_format",
  "json",
  "-show_format",
  "-show_streams",
  location,
];

/**
 * The one probe of a path or URL: ffprobe's streams and format. Rejects with ProcessError when
 * ffprobe cannot read it as media at all.
 */
export async function probeMedia(location: string, signal?: AbortSignal): Promise<ProbeJson> {
  return JSON.parse(await runTool("ffprobe", probeArgs(location), { signal })) as ProbeJson;
}
