import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { audioAnalysisStage } from "./app/audio-analysis-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({ ...deps, stage: "audio_analysis", handler: audioAnalysisStage(deps.store) });
}
