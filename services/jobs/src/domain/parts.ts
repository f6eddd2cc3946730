import {
  allParts,
  INPUT_ROLES,
  type InputRole,
  partShares,
  type StageName,
  type StageParts,
  stageParts,
} from "@clipzy/contracts";
import type { JobDoc, PartDoc, StageCostDoc, StageTimingDoc } from "./job.js";

/**
 * A stage of a job can run as several tasks ("parts", stageParts) that any workers take side by
 * side: one per input for an analysis stage of a job with a template, one per chunk for a chunked
 * render, whose join (the stage's `final` part) runs once every chunk is in. The job's state keeps
 * each part's fraction and, once done, its cost (`stage_parts.<stage>.<part>`); the stage is done
 * when every part, the final one included, is. Pure functions over the job document.
 */

export type Parts = Partial<Record<string, PartDoc>>;

export const planOf = (doc: JobDoc, stage: StageName): StageParts =>
  stageParts(stage, { hasTemplate: doc.template !== null, renderChunks: doc.render_chunks ?? 1 });

/** Every part of the stage (the final one last); empty for a stage run as one task. */
export const partsOf = (doc: JobDoc, stage: StageName): readonly string[] => allParts(planOf(doc, stage));

const isDone = (doc: JobDoc, stage: StageName, part: string) =>
  doc.stage_parts?.[stage]?.[part]?.done === true;

/**
 * The tasks still to publish for the stage: its parts not yet done (the final part once all the
 * others are), or [undefined] for one whole-stage task.
 */
export function pendingParts(doc: JobDoc, stage: StageName): (string | undefined)[] {
  const plan = planOf(doc, stage);
  if (plan.parts.length === 0) return [undefined];
  const first = plan.parts.filter((part) => !isDone(doc, stage, part));
  if (first.length > 0 || !plan.final) return first;
  return isDone(doc, stage, plan.final) ? [] : [plan.final];
}

/** Every part of a stage run in parts is done (false for a stage that is not). */
export function partsDone(doc: JobDoc, stage: StageName): boolean {
  const parts = partsOf(doc, stage);
  return parts.length > 0 && parts.every((part) => isDone(doc, stage, part));
}

/** Every part of the stage but `part` is done: `part` is the last to land. */
export function othersDone(doc: JobDoc, stage: StageName, part: string): boolean {
  return partsOf(doc, stage).every((p) => p === part || isDone(doc, stage, p));
}

/** The stage's final part when it is still to run and every other part is done (time to publish it), else null. */
export function finalDue(doc: JobDoc, stage: StageName): string | null {
  const { parts, final } = planOf(doc, stage);
  if (!final || isDone(doc, stage, final) || !parts.every((part) => isDone(doc, stage, part))) return null;
  return final;
}

/**
 * The stage's fraction from its parts', each weighted by its share (partShares): `part` at
 * `fraction` (or done, 1), the others as the document has them.
 */
export function stageFraction(doc: JobDoc, stage: StageName, part: string, fraction: number): number {
  const plan = planOf(doc, stage);
  const shares = partShares(plan, doc.source.duration_seconds, doc.template?.duration_seconds ?? null);
  const known = (p: string) => {
    const d = doc.stage_parts?.[stage]?.[p];
    return d?.done ? 1 : (d?.fraction ?? 0);
  };
  return allParts(plan).reduce(
    (sum, p) => sum + (shares[p] ?? 0) * (p === part ? Math.max(fraction, known(p)) : known(p)),
    0,
  );
}

/**
 * The cost of a stage run in parts: wall = its span, from the first part taken to the last one
 * stored (the parts were queued together, a final part when the last of them was stored, so it
 * adds its own wait and wall after them); queue wait = until the first was taken; ffmpeg and worker
 * figures summed (in one process running several parts, each part's worker CPU includes the
 * others'). Undefined when no part reported a timing.
 */
export function stageCost(parts: Parts, plan: StageParts): StageTimingDoc | undefined {
  const timed = allParts(plan).flatMap((part) => {
    const t = parts[part]?.timing;
    return t ? [[part, t] as const] : [];
  });
  if (timed.length === 0) return undefined;
  const ts = timed.map(([, t]) => t);
  const side = timed.filter(([part]) => part !== plan.final).map(([, t]) => t);
  const final = plan.final ? parts[plan.final]?.timing : undefined;
  const sum = (f: (t: StageCostDoc) => number) => ts.reduce((s, t) => s + f(t), 0);
  const first = side.length ? side : ts;
  const start = Math.min(...first.map((t) => t.queue_wait_seconds));
  const end =
    Math.max(...first.map((t) => t.queue_wait_seconds + t.wall_seconds)) +
    (final && side.length ? final.queue_wait_seconds + final.wall_seconds : 0);
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
export const partsCost = (parts: Parts, plan: StageParts) => ({
  timing: stageCost(parts, plan),
  reused: reusedParts(parts),
});
