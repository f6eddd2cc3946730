import { INPUT_ROLES, type InputRole, inputShares, type StageName, stageParts } from "@clipzy/contracts";
import type { JobDoc, PartDoc, StageCostDoc, StageTimingDoc } from "./job.js";

/**
 * A stage of a job with a template that analyses each input on its own runs as one task per
 * input ("parts"), which any two workers take side by side. The job's state keeps each part's
 * fraction and, once done, its cost (`stage_parts.<stage>.<input>`); the stage is done when every
 * part is. Pure functions over the job document.
 */

export type Parts = Partial<Record<InputRole, PartDoc>>;

export const partsOf = (doc: JobDoc, stage: StageName): readonly InputRole[] =>
  stageParts(stage, doc.template !== null);

/** The tasks still to publish for the stage: its parts not yet done, or [undefined] for one whole-stage task. */
export function pendingParts(doc: JobDoc, stage: StageName): (InputRole | undefined)[] {
  const parts = partsOf(doc, stage);
  if (parts.length === 0) return [undefined];
  return parts.filter((role) => !doc.stage_parts?.[stage]?.[role]?.done);
}

/** Every part of a stage run in parts is done (false for a stage that is not). */
export function partsDone(doc: JobDoc, stage: StageName): boolean {
  const parts = partsOf(doc, stage);
  return parts.length > 0 && parts.every((role) => doc.stage_parts?.[stage]?.[role]?.done);
}

/** Every part of the stage but `input` is done: `input` is the last to land. */
export function othersDone(doc: JobDoc, stage: StageName, input: InputRole): boolean {
  return partsOf(doc, stage).every((role) => role === input || doc.stage_parts?.[stage]?.[role]?.done);
}

/**
 * The stage's fraction from its parts', each weighted by its input's duration (as a whole-stage
 * task weights them): `input` at `fraction` (or done, 1), the others as the document has them.
 */
export function stageFraction(doc: JobDoc, stage: StageName, input: InputRole, fraction: number): number {
  const shares = inputShares(doc.source.duration_seconds, doc.template?.duration_seconds ?? null);
  const known = (role: InputRole) => {
    const p = doc.stage_parts?.[stage]?.[role];
    return p?.done ? 1 : (p?.fraction ?? 0);
  };
  return partsOf(doc, stage).reduce(
    (sum, role) => sum + shares[role] * (role === input ? Math.max(fraction, known(role)) : known(role)),
    0,
  );
}

/**
 * The cost of a stage run in parts: wall = its span, from the first part taken to the last one
 * stored (the parts were queued together); queue wait = until the first was taken; ffmpeg and worker
 * figures summed (in one process running both parts, each part's worker CPU includes the other's).
 * Undefined when no part reported a timing.
 */
export function stageCost(parts: Parts): StageTimingDoc | undefined {
  const timed = INPUT_ROLES.flatMap((role) => {
    const t = parts[role]?.timing;
    return t ? [[role, t] as const] : [];
  });
  if (timed.length === 0) return undefined;
  const ts = timed.map(([, t]) => t);
  const sum = (f: (t: StageCostDoc) => number) => ts.reduce((s, t) => s + f(t), 0);
  const start = Math.min(...ts.map((t) => t.queue_wait_seconds));
  const end = Math.max(...ts.map((t) => t.queue_wait_seconds + t.wall_seconds));
  return {
    wall_seconds: end - start,
    queue_wait_seconds: start,
    ffmpeg_runs: sum((t) => t.ffmpeg_runs),
    ffmpeg_seconds: sum((t) => t.ffmpeg_seconds),
    ffmpeg_cpu_seconds: ts.every((t) => t.ffmpeg_cpu_seconds !== null)
      ? sum((t) => t.ffmpeg_cpu_seconds ?? 0)
      : null,
    worker_cpu_seconds: sum((t) => t.worker_cpu_seconds),
    parts: Object.fromEntries(timed),
  };
}

/** The inputs whose analysis a stage run in parts reused from the content-hash cache, source first. */
export const reusedParts = (parts: Parts): InputRole[] => INPUT_ROLES.filter((role) => parts[role]?.reused);

/** What a stage run in parts records when it is done: its cost and the inputs it reused. */
export const partsCost = (parts: Parts) => ({ timing: stageCost(parts), reused: reusedParts(parts) });
