/**
 * The video analyser's decode (after the one probe, probeMedia): the stream decoded ONCE,
 * scaled by ffmpeg (area scaler) to the small analysis resolution, as packed rgb24 frames through
 * a pipe, one record per frame. Every per-frame feature is derived from this single pass.
 */
import { readRecords } from "@clipzy/platform/process";
import { spawnFfmpeg } from "./ffmpeg.js";

/** Analysis size: about `targetPixels` pixels with the display aspect ratio, even dimensions. */
export function analysisSize(displayWidth: number, displayHeight: number, targetPixels = 128 * 72) {
  const ar = displayWidth / displayHeight;
  let width = Math.max(8, 2 * Math.round(Math.sqrt(targetPixels * ar) / 2));
  let height = Math.max(8, 2 * Math.round(width / ar / 2));
  width = Math.min(width, displayWidth + (displayWidth % 2));
  height = Math.min(height, displayHeight + (displayHeight % 2));
  return { width, height };
}

export interface DecodeOptions {
  width: number;
  height: number;
  signal?: AbortSignal;
  /** ffmpeg decoder threads (0 = auto). */
  threads?: number;
  /** Stop after this many seconds of input. */
  durationSeconds?: number;
  /**
   * A second output of the same decode: the closed loop's low-resolution intermediate written to
   * this file (intermediateOutputArgs), so the loop never decodes the full-resolution source again.
   */
  intermediate?: { path: string; width: number; height: number };
}

/**
 * The output options of the closed loop's intermediate: every frame of the source scaled once to
 * `size` (area scaler, x264 ultrafast, nearly lossless) with its timestamps, and its audio as PCM,
 * so the proxies' graph sees the same frames and samples as the final render's.
 */
export function intermediateOutputArgs(size: { width: number; height: number }, out: string): string[] {
  return [
    ...["-map", "0:v:0", "-map", "0:a:0?", "-vf", `scale=${size.width}:${size.height}:flags=area`],
    ...["-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16"],
    ...["-c:a", "pcm_s16le", "-f", "mov", out],
  ];
}

/** The ffmpeg arguments of the decode (exported so the benchmark can time bare ffmpeg with the same). */
export function decodeArgs(input: string, o: DecodeOptions): string[] {
  const args = ["-nostdin", "-v", "error", "-threads", String(o.threads ?? 0), "-i", input];
  if (o.durationSeconds !== undefined) args.push("-t", String(o.durationSeconds));
  args.push(
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    "-vf",
    `scale=${o.width}:${o.height}:flags=area,format=rgb24`,
    "-fps_mode",
    "passthrough",
    "-f",
    "rawvideo",
    "pipe:1",
  );
  if (o.intermediate) {
    if (o.durationSeconds !== undefined) args.push("-t", String(o.durationSeconds));
    args.push(...intermediateOutputArgs(o.intermediate, o.intermediate.path));
  }
  return args;
}

/**
 * Streams packed rgb24 frames (width*height*3 bytes each). The ffmpeg child is killed when the
 * signal aborts or when the consumer stops iterating early.
 */
export async function* decodeFrames(input: string, o: DecodeOptions): AsyncGenerator<Buffer> {
  const tool = spawnFfmpeg(decodeArgs(input, o), { signal: o.signal });
  let finished = false;
  tool.done.catch(() => {}); // observed below
  try {
    yield* readRecords(tool.stdout, o.width * o.height * 3);
    await tool.done;
    finished = true;
  } finally {
    if (!finished && tool.child.exitCode === null) tool.child.kill("SIGKILL");
  }
}
