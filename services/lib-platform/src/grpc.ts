/**
 * The one bridge between protobuf-es v2 service descriptors and @grpc/grpc-js.
 * protobuf-es generates descriptors, not stubs; this builds grpc-js service definitions from
 * them (binary protobuf on the wire), typed servers and clients (unary, client-streaming and
 * server-streaming calls: a server stream is an async iterable on both sides), and carries AppError across
 * the boundary: the server puts {code, message, details} as UTF-8 JSON in binary trailing
 * metadata (a `-bin` key: text metadata is ASCII only, and grpc-js throws on anything else) and
 * the client turns it back into an AppError, so the gateway can map it to HTTP in one place.
 * Nothing thrown while answering or settling a call escapes: grpc-js runs those callbacks where
 * an exception would reach the process.
 */
import { once } from "node:events";
import type {
  DescMessage,
  DescMethod,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { AppError, type ErrorCode, isAppError } from "@clipzy/contracts";
import * as grpc from "@grpc/grpc-js";
import { metrics } from "./metrics.js";
import { inSpan, SpanKind, telemetryEnabled } from "./telemetry.js";

const ERROR_KEY = "x-clipzy-error-bin";

type Methods<S> = S extends GenService<infer M> ? M : GenServiceMethods;
type In<M> = M extends { input: infer I extends DescMessage } ? I : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? O : never;

export interface CallContext {
  readonly metadata: grpc.Metadata;
  readonly signal: AbortSignal;
}

export type ServiceImpl<S extends DescService> = {
  [K in keyof Methods<S>]: Methods<S>[K] extends { methodKind: "client_streaming" }
    ? (
        requests: AsyncIterable<MessageShape<In<Methods<S>[K]>>>,
        ctx: CallContext,
      ) => Promise<MessageInitShape<Out<Methods<S>[K]>>>
    : Methods<S>[K] extends { methodKind: "server_streaming" }
      ? (
          request: MessageShape<In<Methods<S>[K]>>,
          ctx: CallContext,
        ) => AsyncIterable<MessageInitShape<Out<Methods<S>[K]>>>
      : (
          request: MessageShape<In<Methods<S>[K]>>,
          ctx: CallContext,
        ) => Promise<MessageInitShape<Out<Methods<S>[K]>>>;
};

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Milliseconds until the call fails with DEADLINE_EXCEEDED. Every call has one: without it,
   * the client's default for unary or client-streaming calls applies.
   */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

export type ServiceClient<S extends DescService> = {
  [K in keyof Methods<S>]: Methods<S>[K] extends { methodKind: "client_streaming" }
    ? (
        requests: AsyncIterable<MessageInitShape<In<Methods<S>[K]>>>,
        options?: CallOptions,
      ) => Promise<MessageShape<Out<Methods<S>[K]>>>
    : Methods<S>[K] extends { methodKind: "server_streaming" }
      ? (
          request: MessageInitShape<In<Methods<S>[K]>>,
          options?: CallOptions,
        ) => AsyncIterable<MessageShape<Out<Methods<S>[K]>>>
      : (
          request: MessageInitShape<In<Methods<S>[K]>>,
          options?: CallOptions,
        ) => Promise<MessageShape<Out<Methods<S>[K]>>>;
};

const path = (m: DescMethod) => `/${m.parent.typeName}/${m.name}`;
const serializer = (schema: DescMessage) => (msg: MessageShape<DescMessage>) =>
  Buffer.from(toBinary(schema, msg));
const deserializer = (schema: DescMessage) => (buf: Buffer) => fromBinary(schema, buf);

/**
 * The encoder of a method's replies, on both transports: a reply the service answers again
 * (memoized, e.g. a status read of an unchanged job; the service must not change it afterwards)
 * is encoded once. The bytes live as long as the message does (the jobs service's cache bounds it).
 */
function replyEncoder(schema: DescMessage): (msg: MessageShape<DescMessage>) => Buffer {
  const encoded = new WeakMap<object, Buffer>();
  return (msg) => {
    let bytes = encoded.get(msg);
    if (!bytes) {
      const b = toBinary(schema, msg);
      bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      encoded.set(msg, bytes);
    }
    return bytes;
  };
}

function supportedMethods(service: DescService): DescMethod[] {
  for (const m of service.methods) {
    if (m.methodKind === "bidi_streaming") {
      throw new Error(`${path(m)}: ${m.methodKind} is not supported by the bridge`);
    }
  }
  return service.methods;
}

export function serviceDefinition(service: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>>> = {};
  for (const m of supportedMethods(service)) {
    def[m.localName] = {
      path: path(m),
      requestStream: m.methodKind === "client_streaming",
      responseStream: m.methodKind === "server_streaming",
      requestSerialize: serializer(m.input),
      requestDeserialize: deserializer(m.input),
      responseSerialize: replyEncoder(m.output),
      responseDeserialize: deserializer(m.output),
    };
  }
  return def as grpc.ServiceDefinition;
}

const GRPC_STATUS: Partial<Record<ErrorCode, grpc.status>> = {
  bad_request: grpc.status.INVALID_ARGUMENT,
  validation_error: grpc.status.INVALID_ARGUMENT,
  not_found: grpc.status.NOT_FOUND,
  video_not_found: grpc.status.NOT_FOUND,
  job_not_found: grpc.status.NOT_FOUND,
  template_not_found: grpc.status.NOT_FOUND,
  conflict: grpc.status.FAILED_PRECONDITION,
  idempotency_conflict: grpc.status.ALREADY_EXISTS,
  job_not_completed: grpc.status.FAILED_PRECONDITION,
  job_terminal: grpc.status.FAILED_PRECONDITION,
  video_in_use: grpc.status.FAILED_PRECONDITION,
  payload_too_large: grpc.status.RESOURCE_EXHAUSTED,
  invalid_media: grpc.status.INVALID_ARGUMENT,
  unauthorized: grpc.status.UNAUTHENTICATED,
};

function toServiceError(err: unknown, onInternal: (err: unknown) => void): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (isAppError(err)) {
    const body = JSON.stringify({ code: err.code, message: err.message, details: err.details });
    metadata.set(ERROR_KEY, Buffer.from(body, "utf8"));
    // grpc-js percent-encodes the status message, so any Unicode is safe there too.
    return { code: GRPC_STATUS[err.code] ?? grpc.status.UNKNOWN, details: err.message, metadata };
  }
  onInternal(err);
  return { code: grpc.status.INTERNAL, details: "internal error", metadata };
}

/** What a caller sees of a service it cannot reach in time (either transport). */
const unavailable = () => new AppError("unavailable", "a backend service is unavailable, try again shortly");

function fromServiceError(err: grpc.ServiceError): AppError {
  const raw = err.metadata?.get(ERROR_KEY)[0];
  if (Buffer.isBuffer(raw)) {
    try {
      const { code, message, details } = JSON.parse(raw.toString("utf8")) as {
        code: ErrorCode;
        message: string;
        details: Record<string, unknown>;
      };
      return new AppError(code, message, details);
    } catch {
      return new AppError("internal", "internal error"); // a peer sent an unreadable error body
    }
  }
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
    return unavailable();
  }
  return new AppError("internal", "internal error");
}

/**
 * A call's signal for the service, made only if the service looks at it (most unary calls never
 * do: an AbortController per status read costs ~3 % of its req/s). `abort` takes effect once.
 */
function lazySignal() {
  let controller: AbortController | undefined;
  let aborted: { reason: unknown } | undefined;
  return {
    get signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        if (aborted) controller.abort(aborted.reason);
      }
      return controller.signal;
    },
    abort(reason: unknown): void {
      if (aborted) return;
      aborted = { reason };
      controller?.abort(reason);
    },
  };
}

function contextOf(call: {
  readonly metadata: grpc.Metadata;
  on(event: "cancelled", listener: () => void): unknown;
}): CallContext {
  const service = lazySignal();
  call.on("cancelled", () => service.abort(new Error("call cancelled")));
  return {
    metadata: call.metadata,
    get signal() {
      return service.signal;
    },
  };
}

/** Records a unary or client-streaming call's duration, by service, method and status. */
function observer(service: DescService, m: DescMethod) {
  const labels = new Map<grpc.status, Record<string, string>>(); // one object per code, not per call
  return (code: grpc.status, started: number) => {
    let l = labels.get(code);
    if (!l) {
      l = {
        grpc_service: service.typeName,
        grpc_method: m.name,
        grpc_code: grpc.status[code] ?? String(code),
      };
      labels.set(code, l);
    }
    metrics.grpcDuration.observe(l, (performance.now() - started) / 1000);
  };
}

export interface GrpcServerOptions {
  /** Called with errors that are not AppErrors (bugs), which the client only sees as "internal error". */
  onInternalError?: (err: unknown, method: string) => void;
}

/** Adds an implementation of `service` to a grpc-js server. */
export function addService<S extends DescService>(
  server: grpc.Server,
  service: S,
  impl: ServiceImpl<S>,
  options: GrpcServerOptions = {},
): void {
  const handlers: grpc.UntypedServiceImplementation = {};
  const onInternal = options.onInternalError ?? (() => {});
  for (const m of supportedMethods(service)) {
    const fn = (impl as Record<string, (arg: unknown, ctx: CallContext) => unknown>)[m.localName] as (
      arg: unknown,
      ctx: CallContext,
    ) => Promise<object>;
    if (!fn) throw new Error(`${path(m)} is not implemented`);
    const report = (e: unknown) => onInternal(e, path(m));
    if (m.methodKind === "server_streaming") {
      handlers[m.localName] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const ctx = contextOf(call);
        const stream = async () => {
          const out = fn.call(impl, call.request, ctx) as unknown as AsyncIterable<object>;
          for await (const msg of out) {
            if (ctx.signal.aborted) break;
            if (!call.write(create(m.output, msg as MessageInitShape<DescMessage>)))
              await once(call, "drain");
          }
        };
        stream()
          .then(
            () => call.end(),
            (err) => {
              if (!ctx.signal.aborted) call.emit("error", toServiceError(err, report));
            },
          )
          .catch(report);
      };
      continue;
    }
    const observe = observer(service, m);
    /** Answers the call; a throw while building or sending the answer becomes INTERNAL, never a crash. */
    const respond = (result: Promise<object>, callback: grpc.sendUnaryData<unknown>) => {
      const started = performance.now();
      return result
        .then(
          (out) => {
            observe(grpc.status.OK, started);
            callback(null, create(m.output, out as MessageInitShape<DescMessage>));
          },
          (err) => {
            const status = toServiceError(err, report);
            observe(status.code ?? grpc.status.UNKNOWN, started);
            callback(status);
          },
        )
        .catch((err) => {
          report(err);
          try {
            callback({ code: grpc.status.INTERNAL, details: "internal error" });
          } catch (again) {
            report(again);
          }
        });
    };
    handlers[m.localName] =
      m.methodKind === "client_streaming"
        ? (call: grpc.ServerReadableStream<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
            respond(
              Promise.resolve().then(() => fn.call(impl, call as AsyncIterable<unknown>, contextOf(call))),
              cb,
            )
        : (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
            respond(
              Promise.resolve().then(() => fn.call(impl, call.request, contextOf(call))),
              cb,
            );
  }
  server.addService(serviceDefinition(service), handlers);
}

/** Starts a grpc-js server on `host:port` (port 0 picks a free one) and resolves with the bound port. */
export async function listen(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
}

/**
 * Stops taking calls and lets running ones finish for up to `graceMs`, then cancels what is still
 * open (a stuck client stream cannot hold a process past its drain deadline).
 */
export function shutdown(server: grpc.Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function createServer(): grpc.Server {
  // Uploads stream in 256 KiB chunks; allow headroom above grpc's 4 MiB default for large replies.
  return new grpc.Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024, "grpc.enable_channelz": 0 });
}

export interface ClientOptions {
  /** Deadline of a unary call without its own `timeoutMs`. */
  unaryTimeoutMs?: number;
  /** Deadline of a streaming call (an upload, a watch) without its own `timeoutMs`. */
  streamTimeoutMs?: number;
}

/**
 * Defaults: a lookup answers in seconds; an upload streams up to the upload limit and is probed,
 * a watch lasts as long as a job (a client resumes a watch that ends, e.g. SSE with Last-Event-ID).
 */
export const DEFAULT_UNARY_TIMEOUT_MS = 30_000;
export const DEFAULT_STREAM_TIMEOUT_MS = 2 * 3600_000;

/** A call's metadata, and its deadline in ms from now: its own, or the client's default for its kind. */
function callParams(
  m: DescMethod,
  options: CallOptions,
  defaults: { unaryTimeoutMs: number; streamTimeoutMs: number },
): { metadata: grpc.Metadata; timeoutMs: number } {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const fallback = m.methodKind === "unary" ? defaults.unaryTimeoutMs : defaults.streamTimeoutMs;
  return { metadata, timeoutMs: options.timeoutMs ?? fallback };
}

/** Where a service is: "host:port" over the network, or a client in this process (localClient). */
export type Endpoint<S extends DescService> = string | (ServiceClient<S> & { close(): void });

/** A client of the service at `endpoint`. */
export function connect<S extends DescService>(
  service: S,
  endpoint: Endpoint<S>,
  options?: ClientOptions,
): ServiceClient<S> & { close(): void } {
  return typeof endpoint === "string" ? createClient(service, endpoint, options) : endpoint;
}

/** A typed client for `service` at `address` ("host:port"). */
export function createClient<S extends DescService>(
  service: S,
  address: string,
  clientOptions: ClientOptions = {},
): ServiceClient<S> & { close(): void } {
  const unaryTimeoutMs = clientOptions.unaryTimeoutMs ?? DEFAULT_UNARY_TIMEOUT_MS;
  const streamTimeoutMs = clientOptions.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS;
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.enable_channelz": 0,
    "grpc.enable_retries": 0,
  });
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const m of supportedMethods(service)) {
    const serialize = (msg: MessageInitShape<DescMessage>) =>
      Buffer.from(toBinary(m.input, create(m.input, msg)));
    const deserialize = deserializer(m.output);
    const prepare = (options: CallOptions = {}) => {
      const { metadata: md, timeoutMs } = callParams(m, options, { unaryTimeoutMs, streamTimeoutMs });
      const callOptions: grpc.CallOptions = { deadline: Date.now() + timeoutMs };
      return { md, callOptions };
    };
    const settle =
      (resolve: (v: unknown) => void, reject: (e: unknown) => void) =>
      (err: grpc.ServiceError | null, res?: unknown) => {
        try {
          if (err) reject(fromServiceError(err));
          else resolve(res);
        } catch (e) {
          reject(e); // runs inside grpc-js's callback: a throw here would reach the process
        }
      };
    const abortWith = (
      call: grpc.ClientUnaryCall | grpc.ClientWritableStream<unknown> | grpc.ClientReadableStream<unknown>,
      signal?: AbortSignal,
    ) => {
      if (!signal) return;
      if (signal.aborted) call.cancel();
      else signal.addEventListener("abort", () => call.cancel(), { once: true });
    };

    if (m.methodKind === "server_streaming") {
      out[m.localName] = async function* (request: MessageInitShape<DescMessage>, options?: CallOptions) {
        const { md, callOptions } = prepare(options);
        const call = client.makeServerStreamRequest(
          path(m),
          serialize,
          deserialize,
          request,
          md,
          callOptions,
        );
        abortWith(call, options?.signal);
        try {
          for await (const msg of call) yield msg;
        } catch (err) {
          if (options?.signal?.aborted) return; // the caller hung up: not an error
          throw fromServiceError(err as grpc.ServiceError);
        } finally {
          call.cancel(); // a consumer that stops early ends the server's stream too
        }
      };
      continue;
    }
    out[m.localName] =
      m.methodKind === "client_streaming"
        ? async (requests: AsyncIterable<MessageInitShape<DescMessage>>, options?: CallOptions) => {
            const { md, callOptions } = prepare(options);
            let call!: grpc.ClientWritableStream<MessageInitShape<DescMessage>>;
            const result = new Promise((resolve, reject) => {
              call = client.makeClientStreamRequest(
                path(m),
                serialize,
                deserialize,
                md,
                callOptions,
                settle(resolve, reject),
              );
            });
            abortWith(call, options?.signal);
            try {
              for await (const req of requests) {
                if (!call.write(req)) await once(call, "drain");
              }
              call.end();
            } catch (err) {
              call.cancel();
              result.catch(() => {}); // the caller sees the producer's error, not the cancellation
              throw err;
            }
            return result;
          }
        : (request: MessageInitShape<DescMessage>, options?: CallOptions) => {
            const { md, callOptions } = prepare(options);
            return new Promise((resolve, reject) => {
              const call = client.makeUnaryRequest(
                path(m),
                serialize,
                deserialize,
                request,
                md,
                callOptions,
                settle(resolve, reject),
              );
              abortWith(call, options?.signal);
            });
          };
  }
  return out as ServiceClient<S> & { close(): void };
}

/** The reason a local call's signal gives once it has settled: one shared error (a stack per call costs). */
const CALL_ENDED = new Error("call ended");

/**
 * A client of `impl` in the same process (embedded mode), with createClient's contract: messages
 * cross as protobuf binary, so caller and service share no objects and see the same field
 * defaults; an AppError arrives as thrown, anything else as "internal error" (reported through
 * `onInternalError`); every call has a deadline, and the caller's signal or an early stop
 * cancels the service's side; unary and client-streaming calls are traced as a client and a
 * server span. What it leaves out is HTTP/2 on loopback, which was most of a status read's cost
 * (bench/reads.ts). A memoized reply is encoded once (replyEncoder) and still decoded into the
 * caller's own copy.
 */
export function localClient<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: GrpcServerOptions & ClientOptions = {},
): ServiceClient<S> & { close(): void } {
  const unaryTimeoutMs = options.unaryTimeoutMs ?? DEFAULT_UNARY_TIMEOUT_MS;
  const streamTimeoutMs = options.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS;
  const onInternal = options.onInternalError ?? (() => {});
  const tracing = telemetryEnabled(process.env);
  const out: Record<string, unknown> = { close: () => {} };
  for (const m of supportedMethods(service)) {
    const fn = (impl as Record<string, (arg: unknown, ctx: CallContext) => unknown>)[m.localName];
    if (!fn) throw new Error(`${path(m)} is not implemented`);
    const request = (msg: MessageInitShape<DescMessage>) =>
      fromBinary(m.input, toBinary(m.input, create(m.input, msg)));
    const encode = replyEncoder(m.output);
    const response = (msg: unknown) =>
      fromBinary(m.output, encode(create(m.output, msg as MessageInitShape<DescMessage>)));
    const observe = observer(service, m);
    // The client and server span pair grpc-js's instrumentation makes in distributed mode, so a
    // job's trace has the same shape in both modes; nothing at all while tracing is off (a status
    // read is a few hundred µs, and this is on its path).
    const spanName = `grpc.${path(m).slice(1)}`;
    const attributes = { "rpc.system": "grpc", "rpc.service": service.typeName, "rpc.method": m.name };
    const traced = tracing
      ? <T>(work: () => Promise<T>) =>
          inSpan(spanName, { kind: SpanKind.CLIENT, attributes }, () =>
            inSpan(spanName, { kind: SpanKind.SERVER, attributes }, work),
          )
      : <T>(work: () => Promise<T>) => work();

    /**
     * The service's side of one call: cancelled by its deadline, the caller's signal or `end()` (a
     * no-op once settled), which `onCancel` hears; the service's signal is a lazySignal.
     */
    const open = (callOptions: CallOptions = {}) => {
      const { metadata, timeoutMs } = callParams(m, callOptions, { unaryTimeoutMs, streamTimeoutMs });
      const service = lazySignal();
      let cancelled: { reason: unknown } | undefined;
      let timedOut = false;
      let listener: ((reason: unknown) => void) | undefined;
      const cancel = (reason: unknown) => {
        if (cancelled) return;
        cancelled = { reason };
        clearTimeout(timer);
        callOptions.signal?.removeEventListener("abort", onAbort);
        service.abort(reason);
        listener?.(reason);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        cancel(new Error("deadline exceeded"));
      }, timeoutMs);
      const onAbort = () => cancel(callOptions.signal?.reason);
      if (callOptions.signal?.aborted) onAbort();
      else callOptions.signal?.addEventListener("abort", onAbort, { once: true });
      return {
        ctx: {
          metadata,
          get signal() {
            return service.signal;
          },
        } satisfies CallContext,
        /** Runs `fn` once the call is cancelled (at once if it is). */
        onCancel(fn: (reason: unknown) => void): void {
          listener = fn;
          if (cancelled) fn(cancelled.reason);
        },
        /** What the caller sees of a failure: what fromServiceError makes of the wire's status. */
        failure(err: unknown): unknown {
          if (timedOut) return unavailable();
          if (callOptions.signal?.aborted) return callOptions.signal.reason;
          if (isAppError(err)) return new AppError(err.code, err.message, err.details);
          onInternal(err, path(m));
          return new AppError("internal", "internal error");
        },
        end: () => cancel(CALL_ENDED),
      };
    };

    if (m.methodKind === "server_streaming") {
      out[m.localName] = async function* (msg: MessageInitShape<DescMessage>, callOptions?: CallOptions) {
        const call = open(callOptions);
        try {
          const stream = fn.call(impl, request(msg), call.ctx) as AsyncIterable<unknown>;
          for await (const item of stream) {
            if (call.ctx.signal.aborted) break;
            yield response(item);
          }
          if (call.ctx.signal.aborted && !callOptions?.signal?.aborted) throw call.failure(undefined);
        } catch (err) {
          if (callOptions?.signal?.aborted) return; // the caller hung up: not an error
          throw call.failure(err);
        } finally {
          call.end(); // a consumer that stops early ends the service's stream too
        }
      };
      continue;
    }
    out[m.localName] = (input: unknown, callOptions?: CallOptions) => {
      const call = open(callOptions);
      const started = performance.now();
      let producer: { error: unknown } | undefined;
      const arg =
        m.methodKind === "client_streaming"
          ? (async function* () {
              try {
                for await (const msg of input as AsyncIterable<MessageInitShape<DescMessage>>)
                  yield request(msg);
              } catch (error) {
                producer = { error };
                throw error;
              }
            })()
          : request(input as MessageInitShape<DescMessage>);
      const answer = traced(async () => response(await fn.call(impl, arg, call.ctx)));
      // Settles with the answer, or as soon as the call is cancelled or times out.
      return new Promise((resolve, reject) => {
        let settled = false;
        const fail = (err: unknown) => {
          if (settled) return;
          settled = true;
          call.end();
          const seen = producer ? producer.error : call.failure(err);
          observe(
            isAppError(seen) ? (GRPC_STATUS[seen.code] ?? grpc.status.UNKNOWN) : grpc.status.CANCELLED,
            started,
          );
          reject(seen);
        };
        call.onCancel(fail);
        answer.then((res) => {
          if (settled) return;
          settled = true;
          call.end();
          observe(grpc.status.OK, started);
          resolve(res);
        }, fail);
      });
    };
  }
  return out as ServiceClient<S> & { close(): void };
}
