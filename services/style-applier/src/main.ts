import { runWorkerMain } from "@clipzy/platform/main";
import { start } from "./index.js";

runWorkerMain("style-applier", start);
