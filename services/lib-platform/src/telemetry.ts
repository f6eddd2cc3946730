/**
 * Tracing helpers over the OpenTelemetry API. The SDK is started (or not) by the register file
 * (telemetry-register.ts) before the application loads; without it every call here is the API's
 * no-op, so tracing costs nothing when it is off.
 */
import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

export { SpanKind, SpanStatusCode };

const tracer = () => trace.getTracer("clipzy");

/** The W3C `traceparent` of the active context, to store with a job; null when tracing is off. */
export function currentTraceParent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** Writes the active trace context into message headers (W3C traceparent, tracestate, baggage). */
export function injectTrace(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

/** The context a stored traceparent (or message headers) describes; the root context without one. */
export function traceContextOf(
  source: string | null | undefined | Readonly<Record<string, string>>,
): Context {
  if (!source) return ROOT_CONTEXT;
  const carrier = typeof source === "string" ? { traceparent: source } : source;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * The parent for handling a consumed message: the active context when it already belongs to the
 * message's trace (the amqplib instrumentation's consume span), otherwise the context carried in
 * the headers (the in-process broker, which has no instrumentation of its own).
 */
export function messageContext(headers: Readonly<Record<string, string>>): Context {
  const carried = traceContextOf(headers);
  const active = trace.getSpanContext(context.active());
  const remote = trace.getSpanContext(carried);
  return active && remote && active.traceId === remote.traceId ? context.active() : carried;
}

export interface SpanOptions {
  /** Parent context; the active context when omitted. */
  parent?: Context;
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
}

/** Runs `fn` inside a new active span, records a thrown error on it, and ends it. */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` in a span of the trace a job was created in (its stored traceparent), so work that a
 * later event starts joins the job's one trace; the context that triggered it is linked. Without
 * a stored traceparent (tracing was off then) the span is a child of the active context.
 */
export function inStoredTrace<T>(
  traceParent: string | null | undefined,
  name: string,
  options: Omit<SpanOptions, "parent">,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!traceParent) return inSpan(name, options, fn);
  const trigger = trace.getSpanContext(context.active());
  const links = trigger && trace.isSpanContextValid(trigger) ? [{ context: trigger }] : [];
  return inSpan(name, { ...options, parent: traceContextOf(traceParent), links }, fn);
}

/** Starts a span that the caller ends (for work whose end is an event, like a child process exiting). */
export function startSpan(name: string, options: Omit<SpanOptions, "parent"> = {}): Span {
  return tracer().startSpan(name, options, context.active());
}

/** The trace and span id of the active span, for log lines; empty when there is none. */
export function logTraceFields(): { trace_id?: string; span_id?: string } {
  const ctx = trace.getSpanContext(context.active());
  return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/**
 * The shape of a command line without file paths, URLs (presigned URLs carry signatures) or
 * other values that identify data: options and numbers stay, anything path- or URL-like becomes
 * `<path>`. Put on ffmpeg spans so a trace shows what ran without leaking where.
 */
export function argsShape(args: readonly string[]): string {
  const URL_OR_PATH =
    /[a-z][a-z0-9+.-]*:\/\/[^\s'",;:]*(?::[^\s'",;]*)?|(?:\.{0,2}\/)?(?:[\w.@%+-]+\/)+[\w.@%+-]*/gi;
  const shaped = args.map((a) => a.replace(URL_OR_PATH, "<path>"));
  const text = shaped.join(" ");
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** Set by the register file when the SDK runs: flushes and stops it (called once at exit). */
let shutdownHook: (() => Promise<void>) | undefined;

export function onTelemetryShutdown(hook: () => Promise<void>): void {
  shutdownHook = hook;
}

/** Flushes pending spans before the process exits; a no-op when tracing is off. */
export async function shutdownTelemetry(): Promise<void> {
  const hook = shutdownHook;
  shutdownHook = undefined;
  await hook?.().catch(() => undefined);
}

/**
 * Tracing is on only when an exporter is configured through the standard variables and the SDK
 * is not disabled: `OTEL_TRACES_EXPORTER` (not `none`), `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
 */
export function telemetryEnabled(env: Record<string, string | undefined>): boolean {
  if ((env.OTEL_SDK_DISABLED ?? "").toLowerCase() === "true") return false;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? "").trim();
  if (exporter === "none") return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
