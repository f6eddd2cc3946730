export * from "./docstore/nedb.js";
export * from "./docstore/port.js";
