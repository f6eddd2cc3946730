export * from "./artifacts.js";
export * from "./config.js";
export * from "./log.js";
export * from "./messaging.js";
export * from "./process.js";
export * from "./stage-inputs.js";
export * from "./stage-worker.js";
export * from "./worker-service.js";
