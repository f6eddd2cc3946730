import { probeMedia, runFfmpeg } from "@clipzy/media/ffmpeg";
import type { ProbeJson } from "@clipzy/media/probe";
import { ProcessError } from "@clipzy/platform/process";

/** The one probe (probeMedia) of a path or URL; null when ffprobe cannot read it as media at all. */
export async function probeUpload(location: string, signal?: AbortSignal): Promise<ProbeJson | null> {
  try {
    return await probeMedia(location, signal);
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
      await runFfmpeg(["-nostdin", ...args], { signal });
    } catch (err) {
      if (err instanceof ProcessError)
        return err.stderrTail.trim().split("\n").slice(-1)[0] || "the video does not decode";
      throw err;
    }
  }
  return null;
}
