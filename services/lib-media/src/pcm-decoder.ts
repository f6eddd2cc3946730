import { ProcessError, readRecords } from "@clipzy/platform/process";
import { spawnFfmpeg } from "./ffmpeg.js";

/**
 * The one decode of the audio: ffmpeg `-vn -ac <channels> -ar <rate> -f f32le pipe:1`, streamed
 * as Float32Array blocks of `blockSamples` frames (interleaved; the last one may be shorter). With
 * `onFingerprint`, the same decode also feeds ffmpeg's chromaprint muxer (a second output on fd 3),
 * whose raw fingerprint is handed over once the decode ends. The child is killed when `signal`
 * aborts (spawnFfmpeg), and an input without an audio stream is reported as `NoAudioStreamError`
 * rather than a failure.
 */
export class NoAudioStreamError extends Error {
  readonly code = "NO_AUDIO_STREAM";
  constructor(input: string) {
    super(`no audio stream in ${input}`);
    this.name = "NoAudioStreamError";
  }
}

export interface DecodeOptions {
  sampleRate: number;
  /** Output channels (default 1: ffmpeg's mixdown). */
  channels?: number;
  blockSamples?: number;
  signal?: AbortSignal;
  /** Receives the raw Chromaprint fingerprint (little-endian uint32 items) after the last block. */
  onFingerprint?: (raw: Uint8Array) => void;
}

const FINGERPRINT_OUTPUT = [
  "-map",
  "0:a:0",
  "-vn",
  "-ac",
  "1",
  "-f",
  "chromaprint",
  "-fp_format",
  "raw",
  "pipe:3",
];

export function decodeArgs(input: string, sampleRate: number, fingerprint = false, channels = 1): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-i",
    input,
    "-map",
    "0:a:0",
    "-vn",
    "-sn",
    "-dn",
    "-ac",
    String(channels),
    "-ar",
    String(sampleRate),
    "-f",
    "f32le",
    "pipe:1",
    ...(fingerprint ? FINGERPRINT_OUTPUT : []),
  ];
}

export async function* decodePcm(input: string, opts: DecodeOptions): AsyncGenerator<Float32Array> {
  const channels = opts.channels ?? 1;
  const block = (opts.blockSamples ?? 8192) * channels;
  const fingerprint = opts.onFingerprint !== undefined;
  const tool = spawnFfmpeg(decodeArgs(input, opts.sampleRate, fingerprint, channels), {
    signal: opts.signal,
    extraPipes: fingerprint ? 1 : 0,
  });
  const fpChunks: Buffer[] = [];
  tool.pipes[3]?.on("data", (c: Buffer) => fpChunks.push(c));
  // surface the exit status even if the consumer is still reading
  let failure: unknown = null;
  const done = tool.done.catch((e: unknown) => {
    failure = e;
  });
  try {
    for await (const rec of readRecords(tool.stdout, block * 4, true)) {
      const n = Math.floor(rec.length / (4 * channels)) * channels;
      if (n === 0) continue;
      // copy into an aligned Float32Array (Buffer offsets need not be 4-aligned)
      yield new Float32Array(rec.buffer.slice(rec.byteOffset, rec.byteOffset + n * 4));
    }
    await done;
    if (failure) throw mapError(failure, input);
    opts.onFingerprint?.(Buffer.concat(fpChunks));
  } finally {
    if (tool.child.exitCode === null && !tool.child.killed) tool.child.kill("SIGKILL");
  }
}

function mapError(e: unknown, input: string): unknown {
  if (e instanceof ProcessError && /matches no streams|does not contain any stream/i.test(e.stderrTail)) {
    return new NoAudioStreamError(input);
  }
  return e;
}
