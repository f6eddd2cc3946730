import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { renderingStage } from "./app/rendering-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({ ...deps, stage: "rendering", handler: renderingStage(deps.store) });
}
