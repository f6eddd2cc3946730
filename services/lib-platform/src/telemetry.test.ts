import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { argsShape, currentTraceParent, telemetryEnabled, traceContextOf } from "./telemetry.js";

describe("telemetry helpers", () => {
  it("argsShape keeps options and numbers, hides paths, URLs and their signatures", () => {
    const shape = argsShape([
      "-hide_banner",
      "-i",
      "http://127.0.0.1:9000/bucket/videos/vid_1/a.mp4?X-Amz-Signature=abc&X-Amz-Credential=key",
      "-vf",
      "scale=320:180,lut3d=file=/tmp/clipzy-x/grade.cube",
      "-crf",
      "28",
      "/tmp/clipzy-x/out.mp4",
      "./rel/path.json",
    ]);
    expect(shape).toBe("-hide_banner -i <path> -vf scale=320:180,lut3d=file=<path> -crf 28 <path> <path>");
    expect(argsShape(["x".repeat(5000)]).length).toBeLessThanOrEqual(2001);
  });

  it("is on only when an exporter is configured and the SDK is not disabled", () => {
    expect(telemetryEnabled({})).toBe(false);
    expect(telemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(telemetryEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toBe(true);
    expect(telemetryEnabled({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(telemetryEnabled({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" })).toBe(
      false,
    );
    expect(telemetryEnabled({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" })).toBe(
      false,
    );
  });

  it("without the SDK, nothing is stored or propagated (tracing off costs nothing)", () => {
    expect(currentTraceParent()).toBeNull();
    // no propagator is registered: a carried traceparent yields no span context
    expect(
      trace.getSpanContext(traceContextOf("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")),
    ).toBe(undefined);
    expect(traceContextOf(undefined)).toBe(ROOT_CONTEXT);
  });
});
