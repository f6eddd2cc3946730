/**
 * Where a job's time went, from the `stage_timings` every job response carries (one row per
 * finished stage: wall time, queue wait, ffmpeg wall and CPU time, the worker's own CPU time;
 * a stage run as one task per input, a templated job's analyses, also gets a row per task under
 * it, and its own row is its span and the tasks' sums).
 *
 *   import { formatStageBreakdown } from "./support/stages.js";
 *   const job = (await (await fetch(`${base}/api/v1/jobs/${id}`)).json()).data;
 *   console.log(formatStageBreakdown(job, { floorSeconds: 131 }));
 */
import type { JobResponse, StageTimingResponse } from "../../services/lib-contracts/src/presenters.js";

export interface StageRow extends StageTimingResponse {
  /** This stage's share of the summed stage wall times. */
  share: number;
}

export function stageBreakdown(job: Pick<JobResponse, "stage_timings">): StageRow[] {
  const total = job.stage_timings.reduce((s, t) => s + t.wall_seconds, 0);
  return job.stage_timings.map((t) => ({ ...t, share: total > 0 ? t.wall_seconds / total : 0 }));
}

/** A table of the stages; with `floorSeconds`, the total is also given as a ratio to that floor. */
export function formatStageBreakdown(
  job: Pick<JobResponse, "stage_timings">,
  options: { floorSeconds?: number } = {},
): string {
  const rows = stageBreakdown(job);
  const f = (n: number | null) => (n === null ? "n/a" : n.toFixed(2));
  const line = (cells: string[]) =>
    `  ${cells[0].padEnd(18)}${cells
      .slice(1)
      .map((c) => c.padStart(11))
      .join("")}`;
  const out = [
    line(["stage", "wall s", "queued s", "ffmpeg s", "ffmpeg cpu", "worker cpu", "runs", "share"]),
  ];
  for (const r of rows) {
    out.push(
      line([
        r.stage,
        f(r.wall_seconds),
        f(r.queue_wait_seconds),
        f(r.ffmpeg_seconds),
        f(r.ffmpeg_cpu_seconds),
        f(r.worker_cpu_seconds),
        String(r.ffmpeg_runs),
        `${(100 * r.share).toFixed(0)}%`,
      ]),
    );
    for (const p of r.parts ?? []) {
      out.push(
        line([
          `  · ${p.input}`,
          f(p.wall_seconds),
          f(p.queue_wait_seconds),
          f(p.ffmpeg_seconds),
          f(p.ffmpeg_cpu_seconds),
          f(p.worker_cpu_seconds),
          String(p.ffmpeg_runs),
          "",
        ]),
      );
    }
  }
  const sum = (k: "wall_seconds" | "queue_wait_seconds" | "ffmpeg_seconds" | "worker_cpu_seconds") =>
    rows.reduce((s, r) => s + r[k], 0);
  const cpu = rows.every((r) => r.ffmpeg_cpu_seconds !== null)
    ? rows.reduce((s, r) => s + (r.ffmpeg_cpu_seconds ?? 0), 0)
    : null;
  out.push(
    line([
      "total",
      f(sum("wall_seconds")),
      f(sum("queue_wait_seconds")),
      f(sum("ffmpeg_seconds")),
      f(cpu),
      f(sum("worker_cpu_seconds")),
      String(rows.reduce((s, r) => s + r.ffmpeg_runs, 0)),
      "100%",
    ]),
  );
  if (options.floorSeconds)
    out.push(`  stages / floor: ${(sum("wall_seconds") / options.floorSeconds).toFixed(2)}×`);
  return out.join("\n");
}
