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
import type { Logger } from "./log.js";
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

/** The deadlines of calls without their own, by kind. */
function timeoutDefaults(o: ClientOptions) {
  return {
    unaryTimeoutMs: o.unaryTimeoutMs ?? DEFAULT_UNARY_TIMEOUT_MS,
    streamTimeoutMs: o.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS,
  };
}

/**
 * One call as a transport carries it, for the per-kind table (callKinds). The transport takes the
 * request as the caller gave it (a message, or a client stream's iterable, which it reads with
 * backpressure), applies the deadline and the caller's signal, and answers with `reply` (unary and
 * client-streaming calls) or `replies` (server-streaming), failing with what the caller is to see.
 * `cancel` ends the call; it is a no-op once the call has settled.
 */
interface TransportCall {
  readonly reply?: Promise<unknown>;
  readonly replies?: AsyncIterable<unknown>;
  cancel(): void;
}

/** How a transport starts a call of one method. */
type OpenCall = (request: unknown, options: CallOptions) => TransportCall;

type CallerFn = (request: unknown, options?: CallOptions) => unknown;

/**
 * What a caller sees of each kind of call, written once for both transports (the network client
 * and localClient), so the two cannot drift apart.
 */
const callKinds: Record<"unary" | "client_streaming" | "server_streaming", (open: OpenCall) => CallerFn> = {
  unary:
    (open) =>
    (request, options = {}) =>
      open(request, options).reply,
  /** A producer that fails cancels the call, and the caller sees its producer's own error. */
  client_streaming:
    (open) =>
    async (requests, options = {}) => {
      let producer: { error: unknown } | undefined;
      let call: TransportCall | undefined;
      const tracked = (async function* () {
        try {
          yield* requests as AsyncIterable<unknown>;
        } catch (error) {
          producer = { error };
          call?.cancel();
          throw error;
        }
      })();
      call = open(tracked, options);
      try {
        return await call.reply;
      } catch (err) {
        throw producer ? producer.error : err;
      }
    },
  /** A caller that hangs up ends quietly; a consumer that stops early ends the service's stream too. */
  server_streaming: (open) =>
    async function* (request, options = {}) {
      const call = open(request, options);
      try {
        yield* call.replies as AsyncIterable<unknown>;
      } catch (err) {
        if (options.signal?.aborted) return; // the caller hung up: not an error
        throw err;
      } finally {
        call.cancel();
      }
    },
};

/** A typed client whose every method is its kind's caller (callKinds) over `open`'s transport. */
function clientOf<S extends DescService>(
  service: S,
  open: (m: DescMethod) => OpenCall,
  close: () => void,
): ServiceClient<S> & { close(): void } {
  const out: Record<string, unknown> = { close };
  for (const m of supportedMethods(service)) {
    out[m.localName] = callKinds[m.methodKind as keyof typeof callKinds](open(m));
  }
  return out as ServiceClient<S> & { close(): void };
}

/** Writes a client stream's requests with backpressure; a failing producer cancels the call. */
async function pump(
  call: grpc.ClientWritableStream<unknown>,
  requests: AsyncIterable<unknown>,
): Promise<void> {
  try {
    for await (const req of requests) {
      if (!call.write(req)) await once(call, "drain");
    }
    call.end();
  } catch {
    call.cancel(); // the caller sees the producer's error (callKinds), not the cancellation
  }
}

/** A typed client for `service` at `address` ("host:port"). */
export function createClient<S extends DescService>(
  service: S,
  address: string,
  clientOptions: ClientOptions = {},
): ServiceClient<S> & { close(): void } {
  const defaults = timeoutDefaults(clientOptions);
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.enable_channelz": 0,
    "grpc.enable_retries": 0,
  });
  const open = (m: DescMethod): OpenCall => {
    const serialize = (msg: MessageInitShape<DescMessage>) =>
      Buffer.from(toBinary(m.input, create(m.input, msg)));
    const deserialize = deserializer(m.output);
    const name = path(m);
    return (request, options) => {
      const msg = request as MessageInitShape<DescMessage>; // the message of a unary or server-streaming call
      const { metadata, timeoutMs } = callParams(m, options, defaults);
      const callOptions: grpc.CallOptions = { deadline: Date.now() + timeoutMs };
      let call!:
        | grpc.ClientUnaryCall
        | grpc.ClientWritableStream<unknown>
        | grpc.ClientReadableStream<unknown>;
      let reply: Promise<unknown> | undefined;
      let replies: AsyncIterable<unknown> | undefined;
      if (m.methodKind === "server_streaming") {
        const stream = client.makeServerStreamRequest(
          name,
          serialize,
          deserialize,
          msg,
          metadata,
          callOptions,
        );
        call = stream;
        replies = (async function* () {
          try {
            for await (const msg of stream) yield msg;
          } catch (err) {
            throw fromServiceError(err as grpc.ServiceError);
          }
        })();
      } else {
        reply = new Promise((resolve, reject) => {
          const settle = (err: grpc.ServiceError | null, res?: unknown) => {
            try {
              if (err) reject(fromServiceError(err));
              else resolve(res);
            } catch (e) {
              reject(e); // runs inside grpc-js's callback: a throw here would reach the process
            }
          };
          call =
            m.methodKind === "client_streaming"
              ? client.makeClientStreamRequest(name, serialize, deserialize, metadata, callOptions, settle)
              : client.makeUnaryRequest(name, serialize, deserialize, msg, metadata, callOptions, settle);
        });
        if (m.methodKind === "client_streaming") {
          void pump(call as grpc.ClientWritableStream<unknown>, request as AsyncIterable<unknown>);
        }
      }
      const signal = options.signal;
      if (signal?.aborted) call.cancel();
      else signal?.addEventListener("abort", () => call.cancel(), { once: true });
      return { reply, replies, cancel: () => call.cancel() };
    };
  };
  return clientOf(service, open, () => client.close());
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
  const defaults = timeoutDefaults(options);
  const onInternal = options.onInternalError ?? (() => {});
  const tracing = telemetryEnabled(process.env);
  const open = (m: DescMethod): OpenCall => {
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
    const session = (callOptions: CallOptions) => {
      const { metadata, timeoutMs } = callParams(m, callOptions, defaults);
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
          if (err === CALL_ENDED) return err; // the caller's side ended it (callKinds): not the service's bug
          if (isAppError(err)) return new AppError(err.code, err.message, err.details);
          onInternal(err, path(m));
          return new AppError("internal", "internal error");
        },
        end: () => cancel(CALL_ENDED),
      };
    };

    if (m.methodKind === "server_streaming") {
      return (msg, callOptions) => {
        const call = session(callOptions);
        const replies = (async function* () {
          try {
            const stream = fn.call(impl, request(msg as MessageInitShape<DescMessage>), call.ctx);
            for await (const item of stream as AsyncIterable<unknown>) {
              if (call.ctx.signal.aborted) break;
              yield response(item);
            }
          } catch (err) {
            throw call.failure(err);
          }
          if (call.ctx.signal.aborted) throw call.failure(undefined); // a deadline, or the caller's signal
        })();
        return { replies, cancel: call.end };
      };
    }
    return (input, callOptions) => {
      const call = session(callOptions);
      const started = performance.now();
      const arg =
        m.methodKind === "client_streaming"
          ? (async function* () {
              for await (const msg of input as AsyncIterable<MessageInitShape<DescMessage>>)
                yield request(msg);
            })()
          : request(input as MessageInitShape<DescMessage>);
      const answer = traced(async () => response(await fn.call(impl, arg, call.ctx)));
      // Settles with the answer, or as soon as the call is cancelled or times out.
      const reply = new Promise((resolve, reject) => {
        let settled = false;
        const fail = (err: unknown) => {
          if (settled) return;
          settled = true;
          call.end();
          const seen = call.failure(err);
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
      return { reply, cancel: call.end };
    };
  };
  return clientOf(service, open, () => {});
}

/** A gRPC service this process serves: its port, the same service for in-process callers, and its stop. */
export interface ServedGrpc<S extends DescService> {
  port: number;
  /** The service for callers in this process (embedded mode), without the network. */
  local: ServiceClient<S> & { close(): void };
  /** Stops taking calls; running ones get `drainMs` to finish. */
  stop(): Promise<void>;
}

export interface ServeGrpcOptions {
  /** The service's name in its log lines ("jobs" logs "jobs service listening"). */
  name: string;
  host: string;
  /** 0 picks a free port (read it back from `port`). */
  port: number;
  log: Logger;
  /** Serves grpc.health.v1 on the same port when given. */
  health?: { addToGrpcServer(server: grpc.Server): void };
  /** On stop, running calls get this long to finish (shutdown's default when not given). */
  drainMs?: number;
}

/**
 * Serves `impl` over gRPC and in process, the one way every gRPC service starts: errors that are
 * not AppErrors are logged as "internal error" with their method on both transports.
 */
export async function serveGrpc<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: ServeGrpcOptions,
): Promise<ServedGrpc<S>> {
  const { log } = options;
  const onInternalError = (err: unknown, method: string) => log.error({ err, method }, "internal error");
  const server = createServer();
  addService(server, service, impl, { onInternalError });
  options.health?.addToGrpcServer(server);
  const port = await listen(server, options.host, options.port);
  log.info({ port }, `${options.name} service listening`);
  return {
    port,
    local: localClient(service, impl, { onInternalError }),
    stop: () => shutdown(server, options.drainMs),
  };
}
