/**
 * An in-process OTLP/HTTP trace receiver (protobuf, the SDK's default protocol): services export
 * to `POST /v1/traces` here, and the test reads back every span. The decoder reads only the
 * fields the tests look at (opentelemetry/proto trace/v1, common/v1, resource/v1), on
 * @bufbuild/protobuf's wire reader.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { BinaryReader, type WireType } from "@bufbuild/protobuf/wire";

export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  /** Span status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Reads each field of one length-delimited message. */
function fields(bytes: Uint8Array, on: (no: number, wt: WireType, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!on(no, wt, r)) r.skip(wt, no);
  }
}

/** The string field `no` of a message ("" when absent). */
function stringField(bytes: Uint8Array, no: number): string {
  let v = "";
  fields(bytes, (n, _wt, r) => {
    if (n !== no) return false;
    v = r.string();
    return true;
  });
  return v;
}

function anyValue(bytes: Uint8Array): string | number | boolean {
  let v: string | number | boolean = "";
  fields(bytes, (no, _wt, r) => {
    if (no === 1) v = r.string();
    else if (no === 2) v = r.bool();
    else if (no === 3) v = Number(r.int64());
    else if (no === 4) v = r.double();
    else return false;
    return true;
  });
  return v;
}

function keyValues(list: Uint8Array[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of list) {
    let key = "";
    let value: string | number | boolean = "";
    fields(kv, (no, _wt, r) => {
      if (no === 1) key = r.string();
      else if (no === 2) value = anyValue(r.bytes());
      else return false;
      return true;
    });
    out[key] = value;
  }
  return out;
}

function span(bytes: Uint8Array, service: string, scope: string): ReceivedSpan {
  const s: ReceivedSpan = {
    service,
    scope,
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: {},
    status: 0,
  };
  const attrs: Uint8Array[] = [];
  fields(bytes, (no, _wt, r) => {
    if (no === 1) s.traceId = hex(r.bytes());
    else if (no === 2) s.spanId = hex(r.bytes());
    else if (no === 4) s.parentSpanId = hex(r.bytes());
    else if (no === 5) s.name = r.string();
    else if (no === 6) s.kind = r.int32();
    else if (no === 7) s.startNs = BigInt(r.fixed64());
    else if (no === 8) s.endNs = BigInt(r.fixed64());
    else if (no === 9) attrs.push(r.bytes());
    else if (no === 15)
      fields(r.bytes(), (n, _w, rr) => {
        if (n !== 3) return false;
        s.status = rr.int32();
        return true;
      });
    else return false;
    return true;
  });
  s.attributes = keyValues(attrs);
  return s;
}

/** ExportTraceServiceRequest → spans, each with its resource's service.name and its scope name. */
export function decodeTraces(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  fields(body, (no, _wt, r) => {
    if (no !== 1) return false;
    let service = "";
    const scopeSpans: Uint8Array[] = [];
    fields(r.bytes(), (n, _w, rr) => {
      if (n === 1) {
        const attrs: Uint8Array[] = [];
        fields(rr.bytes(), (m, _x, rrr) => {
          if (m !== 1) return false;
          attrs.push(rrr.bytes());
          return true;
        });
        service = String(keyValues(attrs)["service.name"] ?? "");
      } else if (n === 2) scopeSpans.push(rr.bytes());
      else return false;
      return true;
    });
    for (const ss of scopeSpans) {
      let scope = "";
      const spans: Uint8Array[] = [];
      fields(ss, (n, _w, rr) => {
        if (n === 1) scope = stringField(rr.bytes(), 1);
        else if (n === 2) spans.push(rr.bytes());
        else return false;
        return true;
      });
      for (const sp of spans) out.push(span(sp, service, scope));
    }
    return true;
  });
  return out;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.url === "/v1/traces") spans.push(...decodeTraces(body));
      // An empty ExportTraceServiceResponse (also fine for logs and metrics, which are ignored).
      res.writeHead(200, { "content-type": "application/x-protobuf" });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One trace as an indented text tree, children in start order: `service  name  duration`.
 * Spans whose name matches `hide` are left out with their subtrees (e.g. progress events).
 */
export function renderTrace(spans: ReceivedSpan[], hide?: RegExp): string {
  const children = new Map<string, ReceivedSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : "";
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const t0 = spans.reduce((m, s) => (s.startNs < m ? s.startNs : m), spans[0]?.startNs ?? 0n);
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    const kids = (children.get(parent) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    for (const s of kids) {
      if (hide?.test(s.name)) continue;
      const at = `+${ms(s.startNs - t0)} ms`.padStart(11);
      const took = `${ms(s.endNs - s.startNs)} ms`.padStart(9);
      lines.push(`${at} ${took}  ${"  ".repeat(depth)}${s.service.replace(/^clipzy-/, "")}: ${s.name}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n");
}

/** One trace's spans by id, with each span's ancestors, its roots and the spans whose parent is missing. */
export function traceTree(spans: ReceivedSpan[]) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return {
    byId,
    ancestors(s: ReceivedSpan): ReceivedSpan[] {
      const out: ReceivedSpan[] = [];
      for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) out.push(p);
      return out;
    },
    roots: spans.filter((s) => s.parentSpanId === ""),
    dangling: spans.filter((s) => s.parentSpanId !== "" && !byId.has(s.parentSpanId)),
  };
}

/** Resolves once `spans` has stopped growing for a second (every process exported what it ended). */
export async function settled(spans: () => number): Promise<void> {
  let count = -1;
  for (let i = 0; i < 60; i++) {
    const n = spans();
    if (n === count && n > 0) return;
    count = n;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("spans kept arriving for a minute");
}
