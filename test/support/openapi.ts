import Ajv2020Module, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/**
 * Response validation against the engine's own OpenAPI document (GET /api/v1/openapi.json).
 * Response schemas are compiled with ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect) per
 * (method, path template, status, media type). In these tests objects are closed: an object
 * schema that does not say otherwise gets `unevaluatedProperties: false`, so a field the
 * engine sends and the document does not describe fails too (the published document stays
 * open to added fields).
 */

const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, any>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface Operation {
  method: string;
  /** Full path template, e.g. /api/v1/jobs/{job_id}. */
  template: string;
  /** Key in document.paths, e.g. /jobs/{job_id}. */
  pathKey: string;
  op: Json;
  regex: RegExp;
  params: number;
}

export class OpenApiMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpenApiMismatch";
  }
}

export interface OpenApi {
  document: Json;
  operations: Operation[];
  /** Throws OpenApiMismatch unless `body` is what the document says (method, path, status). */
  validateResponse(method: string, path: string, status: number, body: unknown): void;
  /** For bodies that are not JSON (video, SSE, tus, empty): the status and media type must be documented. */
  checkResponse(method: string, path: string, status: number, contentType: string | null): void;
  /** The errors ajv reports (empty when valid), without throwing. */
  responseErrors(method: string, path: string, status: number, body: unknown): string[];
  /** Compiles a schema given by JSON pointer into the document (refs resolved). */
  compile(pointer: string): ValidateFunction;
  /** Resolves a local `$ref` (e.g. "#/components/responses/X") to its target, or throws. */
  resolve(ref: string): unknown;
}

const COMPONENTS_ID = "https://clipzy.invalid/openapi/components.json";

/** Deep copy with `#/components/schemas/X` refs pointing into the added components schema. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")
          ? `${COMPONENTS_ID}#/$defs/${v.slice("#/components/schemas/".length)}`
          : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

/** Closes every object schema that leaves additional properties unsaid (tests only). */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node && typeof node === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === "examples" ? v : closeObjects(v);
    if (
      out.type === "object" &&
      out.properties &&
      !("additionalProperties" in out) &&
      !("unevaluatedProperties" in out)
    ) {
      out.unevaluatedProperties = false;
    }
    return out;
  }
  return node;
}

const unescapePointer = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");

export function createOpenApi(document: Json, { closed = true } = {}): OpenApi {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat("binary", true);
  ajv.addKeyword({ keyword: "example" });
  const prepare = (schema: unknown) => {
    const s = rewriteRefs(schema);
    return closed ? closeObjects(s) : s;
  };
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: prepare(document.components?.schemas ?? {}) as Json });

  const resolve = (ref: string): unknown => {
    if (!ref.startsWith("#/")) throw new OpenApiMismatch(`only local $refs are supported: ${ref}`);
    let node: any = document;
    for (const part of ref.slice(2).split("/").map(unescapePointer)) {
      if (node === null || typeof node !== "object" || !(part in node)) {
        throw new OpenApiMismatch(`$ref ${ref} does not resolve`);
      }
      node = node[part];
    }
    return node;
  };
  const deref = (node: any): any =>
    node && typeof node.$ref === "string" ? deref(resolve(node.$ref)) : node;

  const defaultServer = String(document.servers?.[0]?.url ?? "").replace(/\/$/, "");
  const operations: Operation[] = [];
  for (const [pathKey, item] of Object.entries<Json>(document.paths ?? {})) {
    const server = String(item.servers?.[0]?.url ?? defaultServer).replace(/\/$/, "");
    const template = server + pathKey;
    const pattern = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith("{") ? "([^/]+)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    for (const method of METHODS) {
      if (!item[method]) continue;
      operations.push({
        method,
        template,
        pathKey,
        op: item[method],
        regex: new RegExp(`^${pattern}$`),
        params: (template.match(/\{/g) ?? []).length,
      });
    }
  }

  const find = (method: string, path: string): Operation | undefined => {
    const bare = path.split(/[?#]/)[0];
    const m = method.toLowerCase();
    return operations
      .filter((o) => o.method === m && o.regex.test(bare))
      .sort((a, b) => a.params - b.params)[0];
  };

  const compiled = new Map<string, ValidateFunction>();
  const compileSchema = (key: string, schema: unknown): ValidateFunction => {
    let fn = compiled.get(key);
    if (!fn) {
      fn = ajv.compile(prepare(schema) as Json);
      compiled.set(key, fn);
    }
    return fn;
  };

  /** The documented response for a status (exact, then 4XX-style range, then default). */
  const responseFor = (op: Operation, status: number): Json | undefined => {
    const responses = op.op.responses ?? {};
    const r = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    return r ? deref(r) : undefined;
  };

  const describe = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

  /** Paths no operation matches: the router's 404 `not_found` envelope is the one documented answer. */
  const UNMATCHED = "#/components/schemas/ErrorResponse";

  const responseErrors = (method: string, path: string, status: number, body: unknown): string[] => {
    const op = find(method, path);
    let key: string;
    let schema: unknown;
    if (!op) {
      // 404 for an unknown path, 405 (with Allow) for an undeclared method on a known one
      if (status !== 404 && status !== 405) {
        return [`${describe(method, path)}: no such operation in the OpenAPI document (status ${status})`];
      }
      key = UNMATCHED;
      schema = { $ref: UNMATCHED };
    } else {
      const response = responseFor(op, status);
      if (!response) {
        const documented = Object.keys(op.op.responses ?? {}).join(", ");
        return [
          `${op.method.toUpperCase()} ${op.template}: status ${status} is not documented (documented: ${documented})`,
        ];
      }
      const media = response.content?.["application/json"];
      if (!media?.schema) {
        return [
          `${op.method.toUpperCase()} ${op.template} → ${status}: no application/json body is documented`,
        ];
      }
      key = `${op.method} ${op.template} ${status}`;
      schema = media.schema;
    }
    const validate = compileSchema(key, schema);
    if (validate(body)) return [];
    const where = op ? `${op.method.toUpperCase()} ${op.template}` : describe(method, path);
    return (validate.errors ?? []).map(
      (e: ErrorObject) =>
        `${where} → ${status}: ${e.instancePath || "(body)"} ${e.message}${
          e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""
        }`,
    );
  };

  const truncate = (v: unknown) => {
    const s = JSON.stringify(v);
    return s && s.length > 600 ? `${s.slice(0, 600)}…` : s;
  };

  return {
    document,
    operations,
    resolve,
    responseErrors,
    validateResponse(method, path, status, body) {
      const errors = responseErrors(method, path, status, body);
      if (errors.length) {
        throw new OpenApiMismatch(
          `response does not match the OpenAPI document:\n  ${errors.slice(0, 10).join("\n  ")}\n  body: ${truncate(body)}`,
        );
      }
    },
    checkResponse(method, path, status, contentType) {
      const op = find(method, path) ?? (method.toUpperCase() === "HEAD" ? find("get", path) : undefined);
      if (!op) {
        if (status === 404 || status === 405) return;
        throw new OpenApiMismatch(`${describe(method, path)}: no such operation in the OpenAPI document`);
      }
      const response = responseFor(op, status);
      if (!response) {
        throw new OpenApiMismatch(
          `${op.method.toUpperCase()} ${op.template}: status ${status} is not documented (documented: ${Object.keys(
            op.op.responses ?? {},
          ).join(", ")})`,
        );
      }
      const media = (contentType ?? "").split(";")[0].trim().toLowerCase();
      const documented = Object.keys(response.content ?? {});
      if (method.toUpperCase() === "HEAD" || documented.length === 0) return;
      if (!documented.includes(media)) {
        throw new OpenApiMismatch(
          `${op.method.toUpperCase()} ${op.template} → ${status}: content type "${media}" is not documented (${documented.join(", ")})`,
        );
      }
    },
    compile(pointer) {
      const node = resolve(pointer);
      return compileSchema(`pointer ${pointer}`, node);
    },
  };
}

const cache = new Map<string, Promise<OpenApi>>();

/** Loads (once per engine) the document the running engine serves. */
export function loadOpenApi(baseUrl: string): Promise<OpenApi> {
  let p = cache.get(baseUrl);
  if (!p) {
    p = (async () => {
      const res = await fetch(`${baseUrl}/api/v1/openapi.json`);
      if (res.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
      return createOpenApi((await res.json()) as Json);
    })();
    p.catch(() => cache.delete(baseUrl));
    cache.set(baseUrl, p);
  }
  return p;
}
