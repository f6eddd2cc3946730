/**
 * Starts tracing before the application is loaded: `node --import @clipzy/platform/telemetry-register
 * services/<service>/dist/main.js` (or the file path services/lib-platform/dist/telemetry-register.js).
 * Configured only by the standard OTEL_* variables; when none configures an exporter (the
 * default, and embedded mode) it loads nothing at all, so tracing off costs nothing.
 * The module hook lets the instrumentations wrap ES-module imports (grpc-js, express, http).
 */
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";
import { telemetryEnabled } from "./telemetry.js";

if (isMainThread && telemetryEnabled(process.env)) {
  const { createAddHookMessageChannel } = await import("import-in-the-middle");
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
  const { startTelemetry } = await import("./telemetry-sdk.js");
  startTelemetry();
  await waitForAllMessagesAcknowledged();
}
