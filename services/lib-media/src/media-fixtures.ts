import { Readable } from "node:stream";
import { runFfmpeg, spawnFfmpeg } from "./ffmpeg.js";

/**
 * Writes generated media for tests and the benchmark (never used in production paths):
 * raw float PCM encoded by ffmpeg, or lavfi (aevalsrc/anoisesrc) sources.
 */
export async function writePcm(
  path: string,
  samples: Float32Array,
  sampleRate: number,
  extraArgs: readonly string[] = ["-c:a", "pcm_s16le"],
): Promise<void> {
  const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  await runFfmpeg(
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "f32le",
      "-ar",
      String(sampleRate),
      "-ac",
      "1",
      "-i",
      "pipe:0",
      ...extraArgs,
      path,
    ],
    { stdin: Readable.from([bytes]) },
  );
}

/** Runs ffmpeg with the given arguments (quiet, overwrite). */
export async function ffmpeg(args: readonly string[]): Promise<string> {
  return runFfmpeg(["-hide_banner", "-loglevel", "error", "-y", ...args]);
}

/** ffmpeg's own EBU R128 figures for a file (the `ebur128` filter summary). */
export async function ffmpegEbur128(
  path: string,
): Promise<{ integrated: number; lra: number; truePeak: number | null }> {
  const tool = spawnFfmpeg([
    "-hide_banner",
    "-nostats",
    "-i",
    path,
    "-af",
    "ebur128=peak=true",
    "-f",
    "null",
    "-",
  ]);
  let err = "";
  tool.child.stderr?.on("data", (d: Buffer | string) => {
    err += d.toString();
  });
  await tool.done;
  const summary = err.slice(err.lastIndexOf("Summary:"));
  const num = (re: RegExp) => {
    const m = re.exec(summary);
    return m ? Number(m[1]) : Number.NaN;
  };
  const tp = num(/Peak:\s+(-?[\d.]+|-inf)\s+dBFS/);
  return {
    integrated: num(/I:\s+(-?[\d.]+) LUFS/),
    lra: num(/LRA:\s+(-?[\d.]+) LU/),
    truePeak: Number.isFinite(tp) ? tp : null,
  };
}
