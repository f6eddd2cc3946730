import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { motionAnalysisStage } from "./app/motion-analysis-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({ ...deps, stage: "motion_analysis", handler: motionAnalysisStage(deps.store) });
}
