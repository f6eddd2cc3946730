/** The order of a job's stages: where it starts, and what follows each stage for its mode. */
import { lastStage, type Mode, STAGES, type StageName, stageIndex } from "@clipzy/contracts";

/** The stage after `stage` for a job of `mode`, or null when `stage` is the job's last. */
export function nextStage(stage: StageName, mode: Mode): StageName | null {
  if (stage === lastStage(mode)) return null;
  const i = stageIndex(stage);
  return STAGES[i + 1]?.name ?? null;
}

export function firstStage(): StageName {
  return STAGES[0].name;
}
