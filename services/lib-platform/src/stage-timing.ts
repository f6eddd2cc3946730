import type { ToolUsage } from "./process.js";

/** Where a stage's time went, as StageDone reports it. */
export interface StageTiming {
  wallSeconds: number;
  queueWaitSeconds: number;
  ffmpegRuns: number;
  ffmpegSeconds: number;
  ffmpegCpuSeconds?: number;
  workerCpuSeconds: number;
}

/**
 * Starts timing a task taken now, published at `publishedAtMs` (the message header; 0 or NaN
 * when unknown): `tools` collects its ffmpeg runs (measureTools), `finish` gives the timing.
 */
export function startTiming(
  publishedAtMs: number,
  clock: { now(): number; cpuUsage(since?: NodeJS.CpuUsage): NodeJS.CpuUsage } = {
    now: Date.now,
    cpuUsage: (since) => process.cpuUsage(since),
  },
): { takenAt: number; tools: ToolUsage; finish(): StageTiming } {
  const takenAt = clock.now();
  const cpuBefore = clock.cpuUsage();
  const tools: ToolUsage = { runs: 0, wallMs: 0, cpuMs: 0 };
  return {
    takenAt,
    tools,
    finish() {
      const cpu = clock.cpuUsage(cpuBefore);
      return {
        wallSeconds: (clock.now() - takenAt) / 1000,
        queueWaitSeconds: publishedAtMs > 0 ? Math.max(0, takenAt - publishedAtMs) / 1000 : 0,
        ffmpegRuns: tools.runs,
        ffmpegSeconds: tools.wallMs / 1000,
        ffmpegCpuSeconds: tools.cpuMs === null ? undefined : tools.cpuMs / 1000,
        workerCpuSeconds: (cpu.user + cpu.system) / 1e6,
      };
    },
  };
}
