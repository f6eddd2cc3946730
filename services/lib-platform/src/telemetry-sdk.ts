/**
 * The OpenTelemetry Node SDK with the instrumentations this codebase relies on. Loaded only by
 * the register file, and only when tracing is configured (see telemetryEnabled). Exporter,
 * endpoint, protocol, sampler, propagators and resource come from the standard OTEL_* variables.
 */
import { basename, dirname } from "node:path";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { OPS_PATHS } from "./ops-paths.js";
import { onTelemetryShutdown } from "./telemetry.js";

/**
 * amqplib's instrumentation ends a consume span that was not acked within `consumeTimeoutMs`
 * (default one minute). Stages run for minutes and are acked only when done, so the timeout is
 * raised to cover the longest stage; the stage's own span (stage-worker.ts) is what measures it.
 */
const CONSUME_TIMEOUT_MS = 2 * 60 * 60 * 1000;

/** `services/<name>/dist/main.js` → `<name>`, used when OTEL_SERVICE_NAME is not set. */
function defaultServiceName(env: Record<string, string | undefined>): string | undefined {
  if (env.OTEL_SERVICE_NAME) return undefined;
  const main = process.argv[1];
  return main ? `clipzy-${basename(dirname(dirname(main)))}` : "clipzy";
}

export function startTelemetry(env: Record<string, string | undefined> = process.env): void {
  const sdk = new NodeSDK({
    serviceName: defaultServiceName(env),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not traced.
        ignoreIncomingRequestHook: (req) => OPS_PATHS.has((req.url ?? "").split("?")[0]),
      }),
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ["Check", "Watch"] }), // grpc.health.v1
      new AmqplibInstrumentation({ consumeTimeoutMs: CONSUME_TIMEOUT_MS }),
    ],
  });
  sdk.start();
  onTelemetryShutdown(() => sdk.shutdown());
}
