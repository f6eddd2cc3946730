import { ProcessError, runTool } from "@clipzy/platform/process";
import type { ProbeJson } from "../domain/probe.js";

/** Runs ffprobe on a path or URL; null when ffprobe cannot read it as media at all. */
export async function probeMedia(location: string, signal?: AbortSignal): Promise<ProbeJson | null> {
  try {
    const out = await runTool(
      "ffprobe",
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", location],
      { signal },
    );
    return JSON.parse(out) as ProbeJson;
  } catch (err) {
    if (err instanceof ProcessError) return null;
    throw err;
  }
}

/**
 * Decodes the first and the last second of video: a truncated or corrupt file whose header
 * still parses fails here instead of in the middle of a job. Returns an error text or null.
 */
export async function decodeCheck(location: string, signal?: AbortSignal): Promise<string | null> {
  const runs: string[][] = [
    ["-v", "error", "-xerror", "-i", location, "-map", "0:v:0", "-frames:v", "2", "-f", "null", "-"],
    ["-v", "error", "-xerror", "-sseof", "-1", "-i", location, "-map", "0:v:0", "-f", "null", "-"],
  ];
  for (const args of runs) {
    try {
      await runTool("ffmpeg", ["-nostdin", ...args], { signal });
    } catch (err) {
      if (err instanceof ProcessError)
        return err.stderrTail.trim().split("\n").slice(-1)[0] || "the video does not decode";
      throw err;
    }
  }
  return null;
}
