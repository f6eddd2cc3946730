export * from "./objectstore/fs.js";
export * from "./objectstore/keys.js";
export * from "./objectstore/port.js";
