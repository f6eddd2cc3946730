export * from "./edit-summary.js";
export * from "./errors.js";
export * from "./fidelity.js";
export * from "./keys.js";
export * from "./presenters.js";
export * from "./routes.js";
export * from "./stages.js";
export * from "./style.js";
