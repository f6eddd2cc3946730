export { type EngineConfig, EngineConfigSchema, loadEngineConfig } from "./config.js";
export { type Engine, type EngineHooks, startEngine } from "./engine.js";
