import { AsyncLocalStorage } from "node:async_hooks";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { metrics } from "./metrics.js";
import { argsShape, SpanKind, SpanStatusCode, startSpan } from "./telemetry.js";

/**
 * What the tools (ffmpeg, ffprobe) spawned inside `measureTools` cost: how many ran, their
 * summed wall time (they may overlap) and their CPU time (user + system, all threads), or null
 * where the platform does not tell (outside Linux).
 */
export interface ToolUsage {
  runs: number;
  wallMs: number;
  cpuMs: number | null;
}

const usageScope = new AsyncLocalStorage<ToolUsage>();

/** Runs `fn`, adding the cost of every tool it spawns (however deep) to `usage`. */
export function measureTools<T>(usage: ToolUsage, fn: () => Promise<T>): Promise<T> {
  return usageScope.run(usage, fn);
}

/**
 * CPU time of this process's reaped children so far (Linux: cutime + cstime of /proc/self/stat,
 * in clock ticks of 10 ms). Read as each child exits, the increase since the previous read is
 * that child's CPU time; two children reaped in the same event-loop turn are counted together on
 * the first, so each tool's share is exact to 10 ms and their sum is exact.
 */
function childrenCpuMs(): number | null {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}
let reapedCpuMs = childrenCpuMs();

/**
 * The one way this codebase runs ffmpeg / ffprobe: a spawned child that is killed when the
 * AbortSignal fires (cancellation), whose stderr tail is kept for error messages, and whose
 * failure rejects with that tail. Each run is a span (a child of the stage's) carrying the
 * arguments' shape without paths or URLs, and a failed run counts in clipzy_ffmpeg_failures_total.
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
  const tool = basename(command);
  const span = startSpan(tool, {
    kind: SpanKind.INTERNAL,
    attributes: { "process.executable.name": tool, "clipzy.process.args_shape": argsShape(args) },
  });
  const child = spawn(command, args, { stdio });
  const usage = usageScope.getStore();
  const startedAt = performance.now();
  child.once("exit", () => {
    const cpu = childrenCpuMs();
    const spent = cpu !== null && reapedCpuMs !== null ? cpu - reapedCpuMs : null;
    reapedCpuMs = cpu;
    if (!usage) return;
    usage.runs++;
    usage.wallMs += performance.now() - startedAt;
    usage.cpuMs = usage.cpuMs === null || spent === null ? null : usage.cpuMs + spent;
  });
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
    child.once("error", (err) => {
      metrics.ffmpegFailures.inc({ tool });
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
      reject(err);
    });
    child.once("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      span.setAttribute("process.exit.code", code ?? -1);
      if (options.signal?.aborted) {
        span.setAttribute("clipzy.process.aborted", true);
        reject(abortError(options.signal));
      } else if (code === 0) resolve();
      else {
        metrics.ffmpegFailures.inc({ tool });
        span.setStatus({ code: SpanStatusCode.ERROR, message: `exited with ${code}` });
        reject(new ProcessError(command, code, tail));
      }
      span.end();
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
