import { ERROR_CODES, type ErrorCode } from "@clipzy/contracts";
import { z } from "zod";
import { PageQuery } from "../http/validation.js";
import * as S from "./schemas.js";

/**
 * The OpenAPI 3.1 document of the public API, built from the zod schemas in ./schemas.ts (the
 * request bodies are the gateway's own validation schemas) and the operation table below.
 */

type Json = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** What each error code means, for the per-operation lists in the document. */
const ERROR_MEANINGS: Record<ErrorCode, string> = {
  bad_request: "the request is malformed (e.g. a broken multipart body)",
  validation_error: "a field is missing or has the wrong type or value; `details.field` names it",
  invalid_json: "the body is not valid JSON",
  unauthorized: "API keys are configured and the bearer token is missing or unknown",
  not_found: "no such resource (or no route for this method and path)",
  video_not_found: "no video with this id for your tenant",
  job_not_found: "no job with this id for your tenant",
  template_not_found: "no template video with this id for your tenant",
  conflict: "a request with the same Idempotency-Key is still being processed; retry shortly",
  idempotency_conflict: "this Idempotency-Key was already used with a different request",
  job_not_completed: "the job is not completed (yet); `details` has its status (and error if failed)",
  job_terminal: "the job is already completed, failed or cancelled",
  video_in_use: "a queued or processing job uses this video",
  method_not_allowed: "the path exists but not with this method; `Allow` lists the methods it has",
  payload_too_large: "the body or file exceeds the configured limit",
  unsupported_media_type: "wrong Content-Type for this endpoint",
  invalid_media: "the file is not a decodable video (nothing was stored)",
  media_limit_exceeded:
    "the video exceeds a limit on duration, frame size, frame rate or stream count; `details.limit` " +
    "names it, `details.max` is the limit (nothing was stored)",
  rate_limited: "too many requests for this token (or client address); wait `Retry-After` seconds",
  internal: "an unexpected server error (details are logged, never returned)",
  unavailable: "a backend service is temporarily unavailable; retry",
};

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  412: "Precondition failed",
  413: "Payload too large",
  415: "Unsupported media type",
  416: "Range not satisfiable",
  422: "Unprocessable media",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

type Errors = Partial<Record<number, readonly ErrorCode[]>>;

const RETRY_AFTER = {
  description: "Seconds until the rate-limit window resets.",
  schema: { type: "integer", minimum: 0 },
};

const codeList = (codes: readonly ErrorCode[]) =>
  codes.map((c) => `- \`${c}\`: ${ERROR_MEANINGS[c]}`).join("\n");

/** The error envelope with `error.code` restricted to the given codes. */
const errorSchema = (codes: readonly ErrorCode[]): Json => ({
  allOf: [ref("ErrorResponse"), { properties: { error: { properties: { code: { enum: codes } } } } }],
});

function errorResponse(status: number, codes: readonly ErrorCode[]): Json {
  for (const c of codes) {
    if (ERROR_CODES[c] !== status)
      throw new Error(`openapi: ${c} is ${ERROR_CODES[c]}, listed under ${status}`);
  }
  const response: Json = {
    description: `${STATUS_TEXT[status] ?? "Error"}. \`error.code\` is one of:\n\n${codeList(codes)}`,
    content: { "application/json": { schema: errorSchema(codes) } },
  };
  if (status === 429) response.headers = { "Retry-After": RETRY_AFTER };
  return response;
}

/** The errors any authenticated, rate-limited operation can answer. */
const COMMON: Errors = {
  401: ["unauthorized"],
  429: ["rate_limited"],
  500: ["internal"],
  503: ["unavailable"],
};

interface Op {
  method: "get" | "post" | "delete" | "head" | "patch" | "options";
  path: string;
  tag: string;
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Json[];
  requestBody?: Json;
  /** Success responses by status. */
  responses: Record<string, Json>;
  errors?: Errors;
  /** Public operations: no token, no rate limit. */
  public?: boolean;
  /** OpenAPI links from the success answer to the operations that use what it returns. */
  links?: Record<string, Json>;
  /** Served at the root, outside the /api/v1 base. */
  root?: boolean;
}

/** A link passing `$response.body#<pointer>` as path parameter `param` of `operationId`. */
const link = (operationId: string, param: string, pointer: string): Json => ({
  operationId,
  parameters: { [param]: `$response.body#${pointer}` },
});

/** Links to every operation on `/jobs/{job_id}…` from a body that has the job id at `pointer`. */
const jobLinks = (pointer: string): Record<string, Json> =>
  Object.fromEntries(
    [
      "getJob",
      "getJobResult",
      "cancelJob",
      "getJobOutput",
      "getJobPreview",
      "streamJobEvents",
      "listWebhookDeliveries",
    ].map((id) => [id, link(id, "job_id", pointer)]),
  );

const videoLinks = (pointer: string): Record<string, Json> => ({
  getVideo: link("getVideo", "video_id", pointer),
  getVideoContent: link("getVideoContent", "video_id", pointer),
  deleteVideo: link("deleteVideo", "video_id", pointer),
  createJob: { operationId: "createJob", requestBody: { video_id: `$response.body#${pointer}` } },
});

const json = (schema: Json, description: string, extra: Json = {}): Json => ({
  description,
  content: { "application/json": { schema } },
  ...extra,
});

const pathParam = (name: string, schema: Json, description: string): Json => ({
  name,
  in: "path",
  required: true,
  description,
  schema,
});

const JOB_ID = pathParam("job_id", ref("JobId"), "The job's id.");
const VIDEO_ID = pathParam("video_id", ref("VideoId"), "The video's id.");

/** For media elements, which cannot send an Authorization header (accepted on media GETs only). */
const ACCESS_TOKEN: Json = {
  name: "access_token",
  in: "query",
  required: false,
  description:
    "The bearer token, for a `<video>` element or link that cannot send an Authorization header. " +
    "Accepted only on the media endpoints (`/jobs/{job_id}/output`, `/jobs/{job_id}/preview`, " +
    "`/videos/{video_id}/content`).",
  schema: { type: "string" },
};

const RANGE: Json = {
  name: "Range",
  in: "header",
  required: false,
  description: "e.g. `bytes=0-1023`.",
  schema: { type: "string" },
};

/** 200 / 206 / 416 of an endpoint that streams a file honouring one HTTP Range. */
function rangedMedia(types: string[], what: string): Record<string, Json> {
  const body = Object.fromEntries(types.map((t) => [t, { schema: { type: "string", format: "binary" } }]));
  return {
    200: {
      description: `${what}, whole.`,
      headers: { "Accept-Ranges": { schema: { type: "string", const: "bytes" } } },
      content: body,
    },
    206: {
      description: "The requested range.",
      headers: { "Content-Range": { schema: { type: "string" } } },
      content: body,
    },
    416: {
      description: "The range is outside the file (`Content-Range: bytes */size`, no body).",
      headers: { "Content-Range": { schema: { type: "string" } } },
    },
  };
}

const IDEMPOTENCY_KEY: Json = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes retries safe: the same key with the same request within 24 h returns the original " +
    "result (200, with `Idempotent-Replayed: true`); the same key with a different request → 409 " +
    "`idempotency_conflict`. 1–255 visible ASCII characters.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
};

const REPLAYED_HEADER = {
  "Idempotent-Replayed": {
    description: "`true` when an earlier request with the same Idempotency-Key produced this answer.",
    schema: { type: "string", enum: ["true"] },
  },
};

const TUS_RESUMABLE: Json = {
  name: "Tus-Resumable",
  in: "header",
  required: true,
  description: "The tus protocol version; must be `1.0.0`.",
  schema: { type: "string", const: "1.0.0" },
};

const TUS_RESUMABLE_HEADER = { "Tus-Resumable": { schema: { type: "string", const: "1.0.0" } } };

/** A byte count in a tus header: tus refuses what is not a safe integer with 400. */
const TUS_BYTES = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const UPLOAD_ID = pathParam(
  "upload_id",
  { type: "string", pattern: "^[0-9a-f]{32}$" },
  "The upload's id (32 hexadecimal digits), from the Location header.",
);

const TUS_ERRORS =
  "Errors of the tus protocol itself (version, headers, offsets, unknown or expired uploads) " +
  "answer as every tus server does: the status with a short plain-text body. Errors about the " +
  "upload's content (its metadata fields, the finished file) have the JSON error envelope; 401 and " +
  "429 are the API's usual JSON answers.";

/** A tus answer: a plain-text protocol message, or the JSON envelope for the listed codes. */
function tusError(title: string, codes: readonly ErrorCode[], text: string): Json {
  const content: Json = { "text/plain": { schema: { type: "string" } } };
  let description = `${title}: ${text} (plain text).`;
  if (codes.length) {
    content["application/json"] = { schema: errorSchema(codes) };
    description += ` Or the JSON envelope with \`error.code\`:\n\n${codeList(codes)}`;
  }
  return { description, content };
}

function pageParams(withStatus: boolean): Json[] {
  const shape = PageQuery.shape;
  const params: Json[] = [
    {
      name: "page",
      in: "query",
      description: "Page number, 1-indexed.",
      schema: { type: "integer", minimum: 1, maximum: 1_000_000, default: 1 },
    },
    {
      name: "page_size",
      in: "query",
      description: "Items per page.",
      schema: { type: "integer", minimum: 1, maximum: 100, default: 10 },
    },
  ];
  if (withStatus) {
    const { $schema: _, ...status } = z.toJSONSchema(shape.status.unwrap()) as Json;
    params.push({ name: "status", in: "query", description: "Only jobs in this status.", schema: status });
  }
  return params;
}

const HTML_PAGE: Json = {
  description: "An HTML page.",
  content: { "text/html": { schema: { type: "string" } } },
};

const OPERATIONS: Op[] = [
  // --- Service ------------------------------------------------------------------------------
  {
    method: "get",
    path: "/healthz",
    tag: "Service",
    operationId: "health",
    summary: "Liveness check",
    description: "Served at the root (`/healthz`), not under `/api/v1`. No token, no rate limit.",
    public: true,
    root: true,
    responses: { 200: json(ref("HealthEnvelope"), "The gateway is up.") },
  },
  {
    method: "get",
    path: "/readyz",
    tag: "Service",
    operationId: "readiness",
    summary: "Readiness check",
    description:
      "Served at the root. Ready while every connection this process needs answers (the embedded " +
      "engine: broker, document store, object store) and it is not draining after SIGTERM; 503 " +
      "`unavailable` otherwise, with each check in `error.details.checks`. No token, no rate limit.",
    public: true,
    root: true,
    responses: { 200: json(ref("ReadinessEnvelope"), "Ready to take work.") },
    errors: { 503: ["unavailable"] },
  },
  {
    method: "get",
    path: "/metrics",
    tag: "Service",
    operationId: "metrics",
    summary: "Prometheus metrics",
    description:
      "Served at the root, in the Prometheus text format; the embedded engine's covers every " +
      "service it runs. No token, no rate limit.",
    public: true,
    root: true,
    responses: {
      200: {
        description: "Prometheus text exposition format 0.0.4.",
        content: { "text/plain": { schema: { type: "string" } } },
      },
    },
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "Service",
    operationId: "getOpenApiDocument",
    summary: "This OpenAPI 3.1 document",
    description: "No token, no rate limit.",
    public: true,
    responses: { 200: json({ type: "object" }, "The document.") },
  },
  {
    method: "get",
    path: "/docs",
    tag: "Service",
    operationId: "getDocsPage",
    summary: "Browsable API reference",
    description: "Swagger UI, served entirely by the engine (no external assets). No token, no rate limit.",
    public: true,
    responses: { 200: HTML_PAGE },
  },

  {
    method: "get",
    path: "/",
    tag: "Service",
    operationId: "getHomePage",
    summary: "The engine's home page",
    description: "Links to the dashboard and the API reference. Served at the root. No token.",
    public: true,
    root: true,
    responses: { 200: HTML_PAGE },
  },
  {
    method: "get",
    path: "/dashboard",
    tag: "Service",
    operationId: "getDashboard",
    summary: "The web dashboard",
    description:
      "Upload, jobs with live progress, results with the Style DNA drawn. Served at the root " +
      "(`/dashboard`), entirely by the engine (no external assets). The page needs no token; when " +
      "API keys are configured it asks for one and keeps it in the tab's session storage.",
    public: true,
    root: true,
    responses: { 200: HTML_PAGE },
    // an engine run from a build without the dashboard's bundle says so
    errors: { 503: ["unavailable"] },
  },

  // --- Videos -------------------------------------------------------------------------------
  {
    method: "post",
    path: "/videos/upload",
    tag: "Videos",
    operationId: "uploadVideo",
    links: videoLinks("/data/video_id"),
    summary: "Upload a video",
    description:
      "Multipart upload, streamed to storage with bounded memory whatever the size. The file is " +
      "probed with ffprobe and decode-checked; a file that is not a decodable video is refused with " +
      "422 and nothing is kept. `webhook_url` and `template_video_id` are stored on the video as " +
      "defaults for its later jobs. For large files over unreliable links, use the resumable tus " +
      "endpoints under `/videos/tus`.",
    parameters: [IDEMPOTENCY_KEY],
    requestBody: {
      required: true,
      content: { "multipart/form-data": { schema: ref("VideoUploadForm") } },
    },
    responses: {
      200: json(ref("VideoEnvelope"), "Uploaded and probed.", { headers: REPLAYED_HEADER }),
    },
    errors: {
      400: ["validation_error", "bad_request"],
      404: ["template_not_found"],
      409: ["idempotency_conflict", "conflict"],
      413: ["payload_too_large"],
      415: ["unsupported_media_type"],
      422: ["invalid_media", "media_limit_exceeded"],
    },
  },
  {
    method: "get",
    path: "/videos",
    tag: "Videos",
    operationId: "listVideos",
    links: videoLinks("/videos/0/video_id"),
    summary: "List videos",
    description: "Newest first, paginated like jobs.",
    parameters: pageParams(false),
    responses: { 200: json(ref("VideoListResponse"), "A page of videos.") },
    errors: { 400: ["validation_error"] },
  },
  {
    method: "get",
    path: "/videos/{video_id}",
    tag: "Videos",
    operationId: "getVideo",
    summary: "Get a video",
    parameters: [VIDEO_ID],
    responses: { 200: json(ref("VideoEnvelope"), "The video.") },
    errors: { 404: ["video_not_found"] },
  },
  {
    method: "get",
    path: "/videos/{video_id}/content",
    tag: "Videos",
    operationId: "getVideoContent",
    summary: "Download an uploaded video's file",
    description:
      "Streams the file as uploaded (`video/mp4` for MP4/QuickTime, `video/webm` for WebM/Matroska, " +
      "otherwise `application/octet-stream`). A single HTTP `Range` is honoured (206).",
    parameters: [VIDEO_ID, RANGE, ACCESS_TOKEN],
    responses: rangedMedia(["video/mp4", "video/webm", "application/octet-stream"], "The file"),
    errors: { 404: ["video_not_found", "not_found"] },
  },
  {
    method: "delete",
    path: "/videos/{video_id}",
    tag: "Videos",
    operationId: "deleteVideo",
    summary: "Delete a video",
    description: "Removes the video and its file. Refused while a queued or processing job uses it.",
    parameters: [VIDEO_ID],
    responses: { 200: json(ref("VideoDeletedEnvelope"), "Deleted.") },
    errors: { 404: ["video_not_found"], 409: ["video_in_use"] },
  },
  {
    method: "options",
    path: "/videos/tus",
    tag: "Resumable uploads (tus)",
    operationId: "tusDiscover",
    summary: "What the tus server supports (tus 1.0 discovery)",
    responses: {
      204: {
        description: "The supported versions, extensions and maximum size.",
        headers: {
          "Tus-Version": { schema: { type: "string", examples: ["1.0.0"] } },
          "Tus-Extension": {
            schema: { type: "string", examples: ["creation,creation-with-upload,termination"] },
          },
          "Tus-Max-Size": { description: "The upload limit in bytes.", schema: { type: "integer" } },
        },
      },
    },
  },
  {
    method: "post",
    path: "/videos/tus",
    tag: "Resumable uploads (tus)",
    operationId: "tusCreateUpload",
    links: videoLinks("/data/video_id"),
    summary: "Create a resumable upload (tus 1.0 creation)",
    description:
      "Starts a [tus 1.0](https://tus.io/protocols/resumable-upload) upload (any tus client works). " +
      "Send the total size in `Upload-Length` and, in `Upload-Metadata`, `filename` and optionally " +
      "`webhook_url` and `template_video_id` (values base64-encoded, as tus specifies; checked like " +
      "the multipart form's fields). The answer's `Location` is the upload URL for HEAD and PATCH. " +
      "When the last byte arrives the file goes through the same path as `POST /videos/upload` " +
      "(streamed to storage, probed, decode-checked) and that request answers with the video. " +
      "Uploads belong to the tenant that created them; unfinished ones expire after 24 h.\n\n" +
      TUS_ERRORS,
    parameters: [
      TUS_RESUMABLE,
      {
        name: "Upload-Length",
        in: "header",
        required: true,
        description: "The file's total size in bytes.",
        schema: TUS_BYTES,
      },
      {
        name: "Upload-Metadata",
        in: "header",
        required: false,
        description:
          "Comma-separated `key base64value` pairs: `filename`, `webhook_url`, `template_video_id`.",
        // tus: keys without spaces or commas, each once; values base64
        schema: {
          type: "string",
          pattern: "^[!-+\\--~]+( [A-Za-z0-9+/]+={0,2})?(,[!-+\\--~]+( [A-Za-z0-9+/]+={0,2})?)*$",
        },
      },
    ],
    requestBody: {
      required: false,
      description:
        "Optionally the first bytes (creation-with-upload), with `Content-Type: application/offset+octet-stream`.",
      content: { "application/offset+octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    responses: {
      200: json(ref("VideoEnvelope"), "The whole file came with the request: the video, as for PATCH."),
      201: {
        description: "Created; PATCH the bytes to `Location`.",
        headers: {
          Location: { description: "The upload URL.", schema: { type: "string" } },
          ...TUS_RESUMABLE_HEADER,
        },
      },
      400: tusError(
        "Bad request",
        ["validation_error"],
        "missing `Upload-Length`, invalid `Upload-Metadata` or headers",
      ),
      404: tusError("Not found", ["template_not_found"], "`template_video_id` names no video of yours"),
      422: tusError(
        "Unprocessable media",
        ["invalid_media", "media_limit_exceeded"],
        "the whole file came with the request and is not a decodable video, or exceeds a media limit",
      ),
      412: tusError("Precondition failed", [], "missing or unsupported `Tus-Resumable`"),
      413: tusError("Payload too large", [], "`Upload-Length` exceeds the upload limit"),
      500: tusError("Internal server error", ["internal"], "an unexpected server error"),
    },
  },
  {
    method: "head",
    path: "/videos/tus/{upload_id}",
    tag: "Resumable uploads (tus)",
    operationId: "tusGetOffset",
    summary: "Get a resumable upload's offset (tus 1.0 core)",
    description: "How many bytes the engine has; resume the PATCH from `Upload-Offset`. No body.",
    parameters: [UPLOAD_ID, TUS_RESUMABLE],
    responses: {
      200: {
        description: "The upload's progress.",
        headers: {
          "Upload-Offset": { schema: TUS_BYTES },
          "Upload-Length": { schema: TUS_BYTES },
          "Cache-Control": { schema: { type: "string", const: "no-store" } },
          ...TUS_RESUMABLE_HEADER,
        },
      },
      400: { description: "An invalid header value, e.g. `Tus-Resumable` (no body on HEAD)." },
      404: { description: "No such upload for your tenant (no body on HEAD)." },
      410: { description: "The upload expired (no body on HEAD)." },
      412: { description: "Missing or unsupported `Tus-Resumable` (no body on HEAD)." },
    },
  },
  {
    method: "patch",
    path: "/videos/tus/{upload_id}",
    tag: "Resumable uploads (tus)",
    operationId: "tusAppend",
    links: videoLinks("/data/video_id"),
    summary: "Append bytes to a resumable upload (tus 1.0 core)",
    description:
      "Appends the body at `Upload-Offset`, which must equal the upload's current offset (else " +
      "409). The PATCH that completes the upload answers 200 with the video once it has been " +
      "probed and stored, or with the error a multipart upload would get (e.g. 422 `invalid_media`).\n\n" +
      TUS_ERRORS,
    parameters: [
      UPLOAD_ID,
      TUS_RESUMABLE,
      {
        name: "Upload-Offset",
        in: "header",
        required: true,
        description: "Where these bytes start.",
        schema: TUS_BYTES,
      },
    ],
    requestBody: {
      required: true,
      content: { "application/offset+octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    responses: {
      200: json(ref("VideoEnvelope"), "The last bytes arrived: the stored and probed video."),
      204: {
        description: "Appended.",
        headers: {
          "Upload-Offset": { description: "The new offset.", schema: TUS_BYTES },
          ...TUS_RESUMABLE_HEADER,
        },
      },
      400: tusError("Bad request", ["bad_request", "validation_error"], "invalid headers"),
      403: tusError("Forbidden", [], "missing `Upload-Offset` or `Content-Type` header"),
      404: tusError("Not found", ["not_found", "template_not_found"], "no such upload for your tenant"),
      409: tusError("Conflict", [], "`Upload-Offset` is not the upload's current offset"),
      410: tusError("Gone", [], "the upload expired"),
      412: tusError("Precondition failed", [], "missing or unsupported `Tus-Resumable`"),
      413: tusError("Payload too large", ["payload_too_large"], "more bytes than `Upload-Length`"),
      422: tusError(
        "Unprocessable media",
        ["invalid_media", "media_limit_exceeded"],
        "the finished file is not a decodable video, or exceeds a media limit",
      ),
      500: tusError("Internal server error", ["internal"], "an unexpected server error"),
    },
  },
  {
    method: "delete",
    path: "/videos/tus/{upload_id}",
    tag: "Resumable uploads (tus)",
    operationId: "tusTerminate",
    summary: "Abandon a resumable upload (tus 1.0 termination)",
    parameters: [UPLOAD_ID, TUS_RESUMABLE],
    responses: {
      204: { description: "The upload and its bytes are gone.", headers: TUS_RESUMABLE_HEADER },
      400: tusError("Bad request", [], "the upload is already complete"),
      404: tusError("Not found", ["not_found"], "no such upload for your tenant"),
      412: tusError("Precondition failed", [], "missing or unsupported `Tus-Resumable`"),
      500: tusError("Internal server error", ["internal"], "an unexpected server error"),
    },
  },

  // --- Jobs ---------------------------------------------------------------------------------
  {
    method: "post",
    path: "/jobs",
    tag: "Jobs",
    operationId: "createJob",
    links: jobLinks("/data/job_id"),
    summary: "Create a job",
    description:
      "Queues the video for analysis, style extraction and (unless `config.mode` is `style_only`) " +
      "style application and rendering. Without a template or `config.style_json`, the style is the " +
      "source video's own. `quality`: low = CRF 28, ≤480p; medium (default) = CRF 23, ≤720p; high = " +
      "CRF 20, ≤1080p (never upscaled). `duration_seconds` (1 to the source's duration, else 400 naming " +
      "the field) asks for a highlight edit of that length instead of the source's length: the most " +
      "active stretches, kept in source order and cut to the rhythm.",
    parameters: [IDEMPOTENCY_KEY],
    requestBody: { required: true, content: { "application/json": { schema: ref("JobCreateRequest") } } },
    responses: {
      200: json(
        ref("JobEnvelope"),
        "Created (status `queued`), or replayed for a repeated Idempotency-Key.",
        {
          headers: REPLAYED_HEADER,
        },
      ),
    },
    errors: {
      400: ["validation_error", "invalid_json", "bad_request"],
      404: ["video_not_found", "template_not_found"],
      409: ["idempotency_conflict", "conflict"],
      413: ["payload_too_large"],
      415: ["unsupported_media_type"],
    },
  },
  {
    method: "get",
    path: "/jobs",
    tag: "Jobs",
    operationId: "listJobs",
    links: jobLinks("/jobs/0/job_id"),
    summary: "List jobs",
    description: "Newest first.",
    parameters: pageParams(true),
    responses: { 200: json(ref("JobListResponse"), "A page of jobs.") },
    errors: { 400: ["validation_error"] },
  },
  {
    method: "get",
    path: "/jobs/{job_id}",
    tag: "Jobs",
    operationId: "getJob",
    summary: "Get a job's status",
    description: "Poll every 5 s or so, or follow `GET /jobs/{job_id}/events`, or wait for the webhook.",
    parameters: [JOB_ID],
    responses: { 200: json(ref("JobEnvelope"), "The job.") },
    errors: { 404: ["job_not_found"] },
  },
  {
    method: "get",
    path: "/jobs/{job_id}/result",
    tag: "Jobs",
    operationId: "getJobResult",
    summary: "Get a completed job's result",
    parameters: [JOB_ID],
    responses: { 200: json(ref("JobDetailEnvelope"), "The result: `style_json` and `output_video_url`.") },
    errors: { 404: ["job_not_found"], 409: ["job_not_completed"] },
  },
  {
    method: "post",
    path: "/jobs/{job_id}/cancel",
    tag: "Jobs",
    operationId: "cancelJob",
    summary: "Cancel a job",
    description: "A queued or processing job becomes `cancelled`; running ffmpeg work stops within seconds.",
    parameters: [JOB_ID],
    responses: { 200: json(ref("JobEnvelope"), "Cancelled.") },
    errors: { 404: ["job_not_found"], 409: ["job_terminal"] },
  },
  {
    method: "get",
    path: "/jobs/{job_id}/output",
    tag: "Jobs",
    operationId: "getJobOutput",
    summary: "Download the rendered video",
    description: "Streams the MP4. A single HTTP `Range` is honoured (206).",
    parameters: [JOB_ID, RANGE, ACCESS_TOKEN],
    responses: rangedMedia(["video/mp4"], "The rendered file"),
    errors: { 404: ["job_not_found", "not_found"], 409: ["job_not_completed"] },
  },
  {
    method: "get",
    path: "/jobs/{job_id}/preview",
    tag: "Jobs",
    operationId: "getJobPreview",
    summary: "Download the early preview (a low-resolution proxy of the edit)",
    description:
      "Before the final encode, the engine renders low-resolution proxies of the planned edit, " +
      "re-measures them and corrects the plan (the rounds of `fidelity`). The last proxy is served " +
      "here as soon as it exists, while the job is still `processing`, and stays after it completes; " +
      "each round replaces it (`Cache-Control: no-store`; a player may add a query of its own, which is " +
      "ignored, to load a replaced proxy afresh). A single HTTP `Range` is honoured (206). " +
      "Before the first proxy exists: 404 `not_found` with a sentence saying why and `details` " +
      "(`job_id`, `status`, `current_stage`); a `style_only` job renders no video and never has one.",
    parameters: [JOB_ID, RANGE, ACCESS_TOKEN],
    responses: rangedMedia(["video/mp4"], "The last proxy"),
    errors: { 404: ["job_not_found", "not_found"] },
  },
  {
    method: "get",
    path: "/jobs/{job_id}/grade.cube",
    tag: "Jobs",
    operationId: "getJobGradeCube",
    summary: "Download the job's colour transfer as a 3D LUT",
    description:
      "The colour transfer the render applied, as an Adobe/Resolve `.cube` file (`LUT_3D_SIZE 33`, domain " +
      "0..1, red fastest) that a colourist can load; applied with ffmpeg `lut3d` it reproduces the " +
      "render's colour. An identity LUT when the job applied no colour.",
    parameters: [JOB_ID],
    responses: {
      200: {
        description: "The LUT.",
        content: { "text/plain": { schema: { type: "string" } } },
      },
    },
    errors: { 404: ["job_not_found", "not_found"], 409: ["job_not_completed"] },
  },
  ...timelineOperations(),
  {
    method: "get",
    path: "/jobs/{job_id}/events",
    tag: "Jobs",
    operationId: "streamJobEvents",
    summary: "Follow a job's progress (Server-Sent Events)",
    description:
      "One event per status, stage or progress change, oldest first; the stream ends after the " +
      "terminal event. Each event is `id: <sequence>`, `event: progress` (or the terminal status: " +
      "`completed`, `failed`, `cancelled`) and `data: <JobResponse JSON>`. A client reconnecting with " +
      "`Last-Event-ID` (as EventSource does) gets only the events after that id. Comment lines keep " +
      "an idle stream open.",
    parameters: [
      JOB_ID,
      {
        name: "Last-Event-ID",
        in: "header",
        required: false,
        description: "Resume after this event id.",
        schema: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      },
      {
        name: "last_event_id",
        in: "query",
        required: false,
        description: "The same as the Last-Event-ID header, for clients that cannot set headers.",
        schema: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      },
    ],
    responses: {
      200: {
        description: "An event stream; each event's `data` is a JobResponse.",
        content: {
          "text/event-stream": {
            // one event of the stream (as SSE parsers and Schemathesis see it)
            schema: {
              type: "object",
              required: ["id", "event", "data"],
              properties: {
                id: { type: "string", pattern: "^[1-9][0-9]*$", description: "The event's sequence number." },
                event: { type: "string", enum: ["progress", "completed", "failed", "cancelled"] },
                data: {
                  type: "string",
                  description: "The job as of this change, a JobResponse as JSON.",
                  contentMediaType: "application/json",
                  contentSchema: ref("JobResponse"),
                },
              },
            },
            example:
              'id: 3\nevent: progress\ndata: {"job_id":"job_xyz789abc123","status":"processing",…}\n\n',
          },
        },
      },
    },
    errors: { 400: ["validation_error"], 404: ["job_not_found"] },
  },

  // --- Webhooks -----------------------------------------------------------------------------
  {
    method: "get",
    path: "/jobs/{job_id}/webhook-deliveries",
    tag: "Webhooks",
    operationId: "listWebhookDeliveries",
    links: {
      replayWebhookDelivery: link("replayWebhookDelivery", "delivery_id", "/data/deliveries/0/delivery_id"),
    },
    summary: "List a job's webhook deliveries",
    description: "Every delivery of the job's webhook and every attempt: status code, latency, error.",
    parameters: [JOB_ID],
    responses: { 200: json(ref("WebhookDeliveryListEnvelope"), "The deliveries, oldest first.") },
    errors: { 404: ["job_not_found"] },
  },
  {
    method: "post",
    path: "/webhook-deliveries/{delivery_id}/replay",
    tag: "Webhooks",
    operationId: "replayWebhookDelivery",
    summary: "Send a webhook delivery again",
    description: "Sends the same payload again (signed afresh), with a fresh round of retries.",
    parameters: [pathParam("delivery_id", ref("DeliveryId"), "The delivery's id (its `webhook-id`).")],
    responses: { 200: json(ref("WebhookDeliveryEnvelope"), "The delivery, pending again.") },
    errors: { 404: ["not_found"] },
  },
  {
    method: "get",
    path: "/webhooks/secret",
    tag: "Webhooks",
    operationId: "getWebhookSecret",
    summary: "Get your webhook signing secrets",
    description:
      "The secrets that sign your webhooks the Standard Webhooks way (`webhook-signature: v1,<base64 " +
      "HMAC-SHA256 of id.timestamp.body>`), newest first.",
    responses: { 200: json(ref("WebhookSigningSecretsEnvelope"), "The secrets.") },
  },
  {
    method: "post",
    path: "/webhooks/secret/rotate",
    tag: "Webhooks",
    operationId: "rotateWebhookSecret",
    summary: "Rotate your webhook signing secret",
    description:
      "Makes a new secret current. The previous one keeps signing (both signatures are sent) until " +
      "its `expires_at`, so receivers can switch without missing a delivery.",
    responses: { 200: json(ref("WebhookSigningSecretsEnvelope"), "The secrets after the rotation.") },
  },
];

const TAGS = [
  { name: "Videos", description: "Upload and manage source and template videos." },
  { name: "Resumable uploads (tus)", description: "tus 1.0 (core + creation) uploads for large files." },
  { name: "Jobs", description: "Style-transfer jobs: create, follow, cancel, fetch results." },
  { name: "Webhooks", description: "Deliveries of terminal job events and their signing secrets." },
  { name: "Service", description: "Health and documentation; no token, no rate limit." },
];

const DESCRIPTION = `Video style transfer: upload footage and optionally a template video; the engine
extracts the template's Style DNA (StyleJSON v1.0), applies it and renders a new video.

**Envelope.** Success: \`{"success": true, "message": …, "data": …}\` (lists put \`jobs\`/\`videos\`,
\`total\`, \`page\`, \`page_size\` at the top level instead of \`data\`). Errors: HTTP 4xx/5xx with
\`{"success": false, "message": …, "data": null, "error": {"code": …, "details": {…}}}\`.
Timestamps are ISO 8601 UTC with \`Z\`. Clients should ignore fields they do not know: documented
fields may be added.

**Authentication.** \`Authorization: Bearer <token>\`. Tokens map to tenants; another tenant's id
answers 404. An engine started without API keys is open, single tenant and loopback only.

**Rate limiting.** Per token (per client address on an open engine), a configurable number of
requests per minute (\`RATE_LIMIT_PER_MINUTE\`, default 600). Every limited response carries
\`RateLimit\` and \`RateLimit-Policy\` headers; over the limit the answer is 429 \`rate_limited\`
with \`Retry-After\` in seconds. Health and documentation routes are not limited.`;

/** Error responses shared between operations, as `#/components/responses/<status>_<codes>`. */
function buildOperation(op: Op, shared: Record<string, Json>): Json {
  const responses: Json = { ...op.responses };
  if (op.links) {
    const success = Object.keys(responses).sort()[0];
    responses[success] = { ...(responses[success] as Json), links: op.links };
  }
  const errors: Errors = { ...(op.public ? {} : COMMON), ...op.errors };
  for (const [status, codes] of Object.entries(errors)) {
    if (status in op.responses || !codes?.length) continue; // the operation describes it itself
    const name = `Error${status}_${codes.join("_")}`;
    shared[name] ??= errorResponse(Number(status), codes);
    responses[status] = { $ref: `#/components/responses/${name}` };
  }
  const sorted = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  const out: Json = {
    tags: [op.tag],
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.parameters ? { parameters: op.parameters } : {}),
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    responses: sorted,
  };
  if (op.public) out.security = [];
  return out;
}

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect) for every registered component. */
function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(S.components, {
    uri: (id) => `#/components/schemas/${id}`,
    // "input": plain response objects stay open to added fields, `.strict()` ones stay closed.
    io: "input",
    unrepresentable: "any",
    metadata: S.registry,
    override: ({ jsonSchema }) => {
      // `.int()` bounds to the safe-integer range; noise in a document.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  }) as { schemas: Record<string, Json> };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    out[id] = rest;
  }
  return out;
}

function videoUploadForm(): Json {
  const { $schema: _, ...fields } = z.toJSONSchema(S.UploadFieldsSchema, { io: "input" }) as Json;
  const properties = (fields.properties ?? {}) as Json;
  return {
    type: "object",
    required: ["file"],
    additionalProperties: false, // other form fields are refused (400)
    properties: {
      file: { type: "string", format: "binary", description: "The video file." },
      ...Object.fromEntries(
        Object.entries(properties).map(([k, v]) => [
          k,
          {
            ...(v as Json),
            description:
              k === "webhook_url"
                ? "Default webhook for this video's jobs (http or https)."
                : "Default template video for this video's jobs.",
          },
        ]),
      ),
    },
  };
}

let cached: Json | undefined;

/** The document (built once; it does not depend on configuration). */
export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Json> = {};
  const responses: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    // /healthz and the pages live at the root, outside the /api/v1 base.
    paths[op.path] ??= op.root ? { servers: [{ url: "/", description: "root" }] } : {};
    paths[op.path][op.method] = buildOperation(op, responses);
  }
  cached = {
    openapi: "3.1.1",
    info: {
      title: "Clipzy ML Engine API",
      version: "1.0.0",
      description: DESCRIPTION,
    },
    servers: [{ url: "/api/v1", description: "this engine" }],
    security: [{ bearerAuth: [] }],
    tags: TAGS,
    paths,
    webhooks: {
      jobTerminal: {
        post: {
          operationId: "jobTerminalWebhook",
          summary: "A job reached a terminal state",
          description:
            "POSTed to the job's `webhook_url` (or its video's default) when the job completes, fails " +
            "or is cancelled. Signed the Standard Webhooks way with your signing secret(s): verify " +
            '`webhook-signature` (space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.' +
            '{webhook-timestamp}.{body}"`>`) before trusting the body. Answer 2xx within 10 s; ' +
            "otherwise the engine retries with exponential backoff, up to 3 retries.",
          parameters: [
            {
              name: "webhook-id",
              in: "header",
              required: true,
              description: "The delivery id; the same on every retry (deduplicate on it).",
              schema: { type: "string" },
            },
            {
              name: "webhook-timestamp",
              in: "header",
              required: true,
              description: "Unix seconds when this attempt was signed.",
              schema: { type: "string", pattern: "^\\d+$" },
            },
            {
              name: "webhook-signature",
              in: "header",
              required: false,
              description: "Space-separated `v1,<base64>` signatures, one per active secret.",
              schema: { type: "string" },
            },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("WebhookPayload") } },
          },
          responses: {
            "2XX": { description: "Received. Anything else (or no answer in 10 s) is retried." },
          },
          security: [],
        },
      },
    },
    components: {
      schemas: { ...componentSchemas(), VideoUploadForm: videoUploadForm() },
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "A token from the engine's `API_KEYS`. Without configured keys the engine is open and the " +
            "header is not needed.",
        },
      },
    },
  };
  return cached;
}

/**
 * GET /jobs/{job_id}/timeline.{otio,fcpxml,edl}: the edit as a timeline for an editor (docs/api.md
 * says what each format keeps and drops).
 */
function timelineOperations() {
  const formats = [
    {
      ext: "otio",
      id: "getJobTimelineOtio",
      type: "application/json",
      schema: {
        type: "object",
        description: "An OpenTimelineIO Timeline.1 in its JSON serialisation.",
        properties: {
          OTIO_SCHEMA: { const: "Timeline.1" },
          name: { type: "string" },
          tracks: { type: "object", description: "The Stack.1 of the video and audio tracks." },
        },
        required: ["OTIO_SCHEMA", "name", "tracks"],
      },
      name: "OpenTimelineIO (otio_json)",
      what:
        "one video track of the segments as source ranges of the uploaded video at the edit's rate, " +
        "transitions as OTIO transitions (in/out offsets around the cut), the music as an audio " +
        "track, the beats as markers, the zoom and reframe keyframes in each clip's " +
        "`metadata.clipzy`, and the grade as the URL of the job's `.cube` in the timeline's metadata",
    },
    {
      ext: "fcpxml",
      id: "getJobTimelineFcpxml",
      type: "application/xml",
      schema: { type: "string" },
      name: "Final Cut Pro XML (FCPXML 1.8, which DaVinci Resolve imports too)",
      what:
        "the same cuts, transitions as cross-dissolves of the same length, the crop and zooms as " +
        "keyframed transforms, the music as a connected audio clip and the beats as markers",
    },
    {
      ext: "edl",
      id: "getJobTimelineEdl",
      type: "text/plain",
      schema: { type: "string" },
      name: "CMX 3600 EDL",
      what: "the cuts and dissolves only (every other transition as a dissolve of its length), and the audio as A events",
    },
  ];
  return formats.map(
    (f): Op => ({
      method: "get" as const,
      path: `/jobs/{job_id}/timeline.${f.ext}`,
      tag: "Jobs",
      operationId: f.id,
      summary: `Download the job's edit as ${f.name}`,
      description:
        `The completed job's edit as ${f.name}: ${f.what}. Media references point at the source's ` +
        "`/videos/{video_id}/content` URL and carry the uploaded file's original name, so an editor " +
        "can relink to a local copy. A `style_only` job made no edit: 409.",
      parameters: [JOB_ID],
      responses: {
        200: { description: "The timeline.", content: { [f.type]: { schema: f.schema } } },
      },
      errors: { 404: ["job_not_found"], 409: ["job_not_completed", "conflict"] },
    }),
  );
}
