import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";

/**
 * The one way this codebase runs ffmpeg / ffprobe: a spawned child that is killed when the
 * AbortSignal fires (cancellation), whose stderr tail is kept for error messages, and whose
 * failure rejects with that tail.
 */
export class ProcessError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`${command} exited with ${exitCode}: ${stderrTail.trim().split("\n").slice(-3).join(" | ")}`);
    this.name = "ProcessError";
  }
}

export interface SpawnedTool {
  readonly child: ChildProcess;
  /** stdout of the child (fd 1). */
  readonly stdout: Readable;
  /** Extra output pipes, by fd number (3, 4, …), when requested with `extraPipes`. */
  readonly pipes: Record<number, Readable>;
  /** Resolves when the child exits with 0; rejects with ProcessError otherwise, or AbortError when aborted. */
  readonly done: Promise<void>;
}

export interface SpawnToolOptions {
  signal?: AbortSignal;
  /** Number of extra output pipes after stdout (fd 3, 4, …). */
  extraPipes?: number;
  /** Feed stdin from this stream (otherwise stdin is ignored). */
  stdin?: Readable;
}

const STDERR_TAIL_BYTES = 8192;

export function spawnTool(
  command: string,
  args: readonly string[],
  options: SpawnToolOptions = {},
): SpawnedTool {
  const extra = options.extraPipes ?? 0;
  const stdio: ("pipe" | "ignore")[] = [options.stdin ? "pipe" : "ignore", "pipe", "pipe"];
  for (let i = 0; i < extra; i++) stdio.push("pipe");
  const child = spawn(command, args, { stdio });
  let tail = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => {
    tail = (tail + d).slice(-STDERR_TAIL_BYTES);
  });
  if (options.stdin && child.stdin) {
    child.stdin.on("error", () => {}); // EPIPE when the tool stops reading early is not our error
    options.stdin.pipe(child.stdin);
  }
  const pipes: Record<number, Readable> = {};
  for (let i = 0; i < extra; i++) pipes[3 + i] = child.stdio[3 + i] as Readable;

  const onAbort = () => child.kill("SIGKILL");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (err) => reject(err));
    child.once("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) reject(abortError(options.signal));
      else if (code === 0) resolve();
      else reject(new ProcessError(command, code, tail));
    });
  });
  if (options.signal?.aborted) onAbort();
  return { child, stdout: child.stdout!, pipes, done };
}

/** Runs a tool to completion and returns its stdout as text. */
export async function runTool(
  command: string,
  args: readonly string[],
  options: SpawnToolOptions = {},
): Promise<string> {
  const tool = spawnTool(command, args, options);
  const chunks: Buffer[] = [];
  tool.stdout.on("data", (c: Buffer) => chunks.push(c));
  await tool.done;
  return Buffer.concat(chunks).toString("utf8");
}

export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === "string" ? reason : "aborted");
  err.name = "AbortError";
  return err;
}

/**
 * Reads a byte stream in fixed-size records (e.g. one raw video frame, or N PCM samples),
 * yielding each full record as a fresh Buffer. A trailing partial record is yielded last
 * only if `allowPartialTail` is set.
 */
export async function* readRecords(
  stream: Readable,
  recordBytes: number,
  allowPartialTail = false,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < recordBytes) continue;
    let buf = Buffer.concat(pending, pendingBytes);
    let offset = 0;
    while (buf.length - offset >= recordBytes) {
      yield Buffer.from(buf.subarray(offset, offset + recordBytes));
      offset += recordBytes;
    }
    buf = buf.subarray(offset);
    pending = buf.length ? [buf] : [];
    pendingBytes = buf.length;
  }
  if (allowPartialTail && pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
