import createFetchClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./gen/openapi.js";

/**
 * The typed client of the engine's REST API: openapi-fetch over the types openapi-typescript
 * generated from the gateway's OpenAPI document (`corepack pnpm gen:client`). It runs in Node and
 * in browsers; the CLI and the dashboard both use it.
 */

export type { components, paths };
export type Schemas = components["schemas"];
export type JobResponse = Schemas["JobResponse"];
export type JobDetailResponse = Schemas["JobDetailResponse"];
export type VideoResponse = Schemas["VideoResponse"];
export type StyleJson = Schemas["StyleJSON"];
/** A StyleJSON as a job request takes it (`config.style_json`: fields may be missing). */
export type StyleJsonInput = NonNullable<NonNullable<Schemas["JobCreateRequest"]["config"]>["style_json"]>;
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type WebhookPayload = Schemas["WebhookPayload"];
export type JobStatus = JobResponse["status"];

// The stage and status lists of the contract itself (a pure module, fine in a browser bundle).
export {
  isTerminal as isTerminalStatus,
  JOB_STATUSES,
  QUALITIES,
  STAGE_NAMES,
  TERMINAL_STATUSES,
} from "@clipzy/contracts/stages";

/** The API's error envelope as an exception: `message` is the API's own. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the engine could not be reached. */
    readonly status: number,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ClientOptions {
  /** The engine's origin, e.g. http://localhost:8000 (the API is under /api/v1). */
  baseUrl: string;
  /** A bearer token, or a function that returns the current one (the dashboard's can change). */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
}

export interface ClipzyClient {
  /** openapi-fetch on /api/v1: `api.GET("/jobs/{job_id}", { params: { path: { job_id } } })`. */
  api: Client<paths>;
  /** The engine's origin, without a trailing slash. */
  origin: string;
  /** The Authorization header for the current token (empty without one). */
  authHeaders(): Record<string, string>;
  /** An absolute URL under /api/v1. */
  url(path: string): string;
  /** fetch with the token, for what openapi-fetch does not parse (streams, media); errors → ApiError. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function createClipzyClient(options: ClientOptions): ClipzyClient {
  const origin = options.baseUrl.replace(/\/+$/, "");
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const token = () => (typeof options.token === "function" ? options.token() : options.token);
  const authHeaders = (): Record<string, string> => {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  };
  // Unreachable engine → ApiError with status 0, so callers have one error type to show.
  const reaching: typeof fetch = async (input, init) => {
    try {
      return await baseFetch(input, init);
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        `cannot reach the engine at ${origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        0,
        "unreachable",
      );
    }
  };
  const api = createFetchClient<paths>({ baseUrl: `${origin}/api/v1`, fetch: reaching });
  api.use({
    onRequest({ request }) {
      for (const [k, v] of Object.entries(authHeaders())) request.headers.set(k, v);
      return request;
    },
  });
  const url = (path: string) => `${origin}/api/v1${path.startsWith("/") ? path : `/${path}`}`;
  return {
    api,
    origin,
    authHeaders,
    url,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v);
      const res = await reaching(url(path), { ...init, headers });
      if (!res.ok) throw await errorOf(res);
      return res;
    },
  };
}

interface Envelope {
  message?: unknown;
  error?: { code?: unknown; details?: unknown };
}

/** The ApiError for a failed response, from its envelope when it has one. */
export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  let body: Envelope | undefined;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {}
  return envelopeError(res.status, body ?? text);
}

function envelopeError(status: number, body: unknown): ApiError {
  const e = (body && typeof body === "object" ? body : {}) as Envelope;
  const message =
    typeof e.message === "string" ? e.message : typeof body === "string" && body ? body : `HTTP ${status}`;
  const code = typeof e.error?.code === "string" ? e.error.code : `http_${status}`;
  const details = (e.error?.details && typeof e.error.details === "object" ? e.error.details : {}) as Record<
    string,
    unknown
  >;
  return new ApiError(message, status, code, details);
}

/** What an envelope carries in `data`; lists (jobs, videos, total, …) are their whole body. */
export type Unwrapped<T> = T extends { success: true; data: infer D } ? D : T;

/**
 * An openapi-fetch answer's payload (the envelope's `data`, or a list's whole body), or its error
 * envelope thrown as ApiError.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Unwrapped<NonNullable<T>>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw envelopeError(response.status, error);
  const body = data as { success?: boolean; data?: unknown };
  return (body && typeof body === "object" && "data" in body ? body.data : body) as Unwrapped<NonNullable<T>>;
}
