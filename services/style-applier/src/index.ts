import { type StageWorker, startStageWorker } from "@clipzy/platform/stage-worker";
import type { WorkerDeps } from "@clipzy/platform/worker-service";
import { styleApplicationStage } from "./app/style-application-stage.js";

export function start(deps: WorkerDeps): Promise<StageWorker> {
  return startStageWorker({
    ...deps,
    stage: "style_application",
    handler: styleApplicationStage(deps.store),
  });
}
