export * from "./broker/memory.js";
export * from "./broker/port.js";
