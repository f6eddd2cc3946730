import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { videoAnalysisStage } from "./app/video-analysis-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({ ...deps, stage: "video_analysis", handler: videoAnalysisStage(deps.store) });
}
