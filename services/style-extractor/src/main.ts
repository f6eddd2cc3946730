import { runWorkerMain } from "@clipzy/platform/main";
import { start } from "./index.js";

runWorkerMain("style-extractor", start);
