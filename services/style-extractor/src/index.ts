import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { styleExtractionStage } from "./app/style-extraction-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({ ...deps, stage: "style_extraction", handler: styleExtractionStage(deps.store) });
}
