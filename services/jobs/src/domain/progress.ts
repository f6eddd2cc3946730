import { lastStage, type Mode, STAGES, type StageName, stageIndex } from "@clipzy/contracts";

/**
 * Progress inside a stage maps linearly onto the stage's range (seed 003):
 * fraction 0 → the range's first percent, fraction 1 → its last. Never 100: only completion is 100.
 */
export function stagePercent(stage: StageName, fraction: number): number {
  const s = STAGES[stageIndex(stage)];
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return s.from + Math.floor(f * (s.to - s.from));
}

/** The stage after `stage` for a job of `mode`, or null when `stage` is the job's last. */
export function nextStage(stage: StageName, mode: Mode): StageName | null {
  if (stage === lastStage(mode)) return null;
  const i = stageIndex(stage);
  return STAGES[i + 1]?.name ?? null;
}

export function firstStage(): StageName {
  return STAGES[0].name;
}
