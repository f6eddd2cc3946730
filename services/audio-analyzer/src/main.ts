import { runWorkerMain } from "@clipzy/platform/main";
import { start } from "./index.js";

runWorkerMain("audio-analyzer", start);
