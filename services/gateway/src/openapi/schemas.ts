import {
  ColorFidelitySchema,
  EditSummarySchema,
  ERROR_CODES,
  FidelityReportSchema,
  FidelityRoundSchema,
  FieldFidelitySchema,
  ID_FORMATS,
  JOB_STATUSES,
  type JobDetailResponse,
  type JobResponse,
  STAGE_NAMES,
  StyleJsonSchema,
  type VideoResponse,
} from "@clipzy/contracts";
import { z } from "zod";
import { JobCreateBody, UploadFields } from "../http/validation.js";

/**
 * The public response shapes as zod schemas, for the OpenAPI document only (the presenters in
 * lib-contracts build the real bodies). Every schema given an `id` here becomes a component
 * under `#/components/schemas`. The type checks at the bottom keep these in step with the
 * presenters: a field added to a presenter and not documented here fails the build.
 */
export interface SchemaMeta {
  id?: string;
  title?: string;
  description?: string;
  examples?: unknown[];
  deprecated?: boolean;
  [k: string]: unknown;
}

/** The schemas that become `#/components/schemas/<id>`. */
export const components = z.registry<{ id: string }>();
/** Every schema's documentation metadata (description, examples, format…), components' included. */
export const registry = z.registry<SchemaMeta>();

function component<S extends z.ZodType>(id: string, schema: S, meta: Omit<SchemaMeta, "id"> = {}): S {
  components.add(schema, { id });
  registry.add(schema, { id, ...meta });
  return schema;
}

/**
 * Documents a schema from a shared package by its own `.describe()` texts: each one, nested
 * fields' included, goes into this document's registry (which is all the document reads).
 */
function withDescriptions<S extends z.ZodType>(schema: S): S {
  const visit = (s: z.ZodType): void => {
    const description = z.globalRegistry.get(s)?.description;
    if (description && !registry.has(s)) registry.add(s, { description });
    if (s instanceof z.ZodObject) for (const field of Object.values(s.shape)) visit(field as z.ZodType);
    else if (s instanceof z.ZodArray) visit(s.element as z.ZodType);
    else if (s instanceof z.ZodNullable || s instanceof z.ZodOptional) visit(s.unwrap() as z.ZodType);
  };
  visit(schema);
  return schema;
}

function described<S extends z.ZodType>(schema: S, description: string): S {
  const copy = schema.clone() as S;
  const { id: _, ...meta } = registry.get(schema) ?? {};
  registry.add(copy, { ...meta, description });
  return copy;
}

/** ISO 8601 UTC with `Z` (the presenters give whole seconds). */
const ISO = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
registry.add(ISO, { format: "date-time", examples: ["2024-04-05T10:30:00Z"] });
const iso = (description: string) => described(ISO, description);
const isoOrNull = (description: string) => described(ISO.nullable(), description);

export const JobId = component("JobId", z.string().regex(ID_FORMATS.job), {
  description: "`job_` followed by 12 to 64 lowercase letters and digits.",
  examples: ["job_xyz789abc123"],
});
export const VideoId = component("VideoId", z.string().regex(ID_FORMATS.video), {
  description: "`vid_` followed by 12 to 64 lowercase letters and digits.",
  examples: ["vid_abc123def456"],
});
export const DeliveryId = component("DeliveryId", z.string().regex(ID_FORMATS.delivery), {
  description: "`msg_` followed by 24 hexadecimal digits (the delivery's `webhook-id`).",
  examples: ["msg_0123456789abcdef01234567"],
});

export const JobStatusSchema = component("JobStatus", z.enum(JOB_STATUSES), {
  description:
    "`queued → processing → completed | failed`, and `queued | processing → cancelled`. " +
    "`completed`, `failed` and `cancelled` are terminal and never change.",
});

export const StageNameSchema = component("StageName", z.enum(STAGE_NAMES as [string, ...string[]]), {
  description:
    "Pipeline stages in order, with the `progress_percent` range each owns: video_analysis 1–20, " +
    "audio_analysis 21–35, motion_analysis 36–55, style_extraction 56–65, style_application 66–85, " +
    "rendering 86–99 (completed is 100).",
});

export const JobErrorSchema = component(
  "JobError",
  z.object({
    stage: z.string(),
    message: z.string(),
  }),
  { description: "Why a job failed: the stage it failed at and a human-readable message." },
);

export const StyleJson = component("StyleJSON", StyleJsonSchema, {
  description:
    "Style DNA, StyleJSON v1.0. color_grade values are integers in −100..100 relative to neutral; " +
    "cut_frequency is cuts per 10 seconds; motion_intensity and zoom_usage are 0..100. A field the " +
    "engine could not compute is null. Extensions: `audio_fingerprint` (the Chromaprint " +
    "fingerprint of the style's music, and `source_match`: how alike the job's source audio is); " +
    "`pacing` (shot-length median and spread, cut rate per window, acceleration = cut rate at the " +
    "end / at the start, share of cuts within 50 ms of a beat). " +
    "Further documented fields may be added.",
});

const stageCostFields = {
  wall_seconds: described(
    z.number().min(0),
    "From a worker taking the stage's task to its result being stored (the attempt that succeeded).",
  ),
  queue_wait_seconds: described(
    z.number().min(0),
    "From the task being queued to a worker taking it (earlier failed attempts included).",
  ),
  ffmpeg_runs: described(z.number().int().min(0), "ffmpeg / ffprobe processes the stage ran."),
  ffmpeg_seconds: described(
    z.number().min(0),
    "Their wall time, summed (processes that ran side by side each count in full).",
  ),
  ffmpeg_cpu_seconds: described(
    z.number().min(0).nullable(),
    "Their CPU time (user + system, all threads; to 10 ms); null where the platform does not report it.",
  ),
  worker_cpu_seconds: described(
    z.number().min(0),
    "CPU time of the worker process during the stage, ffmpeg excluded (exact when the worker runs one " +
      "task at a time in its own process; in the one-process engine it includes whatever else ran then).",
  ),
};

const StageTimingPartSchema = component(
  "StageTimingPart",
  z.object({
    input: described(
      z.string(),
      "The part of the stage this task was: the input it analysed (`source`, `template`), or a chunk of a " +
        "chunked render (`chunk-<i>-of-<n>`) or the join of its chunks (`join-of-<n>`).",
    ),
    ...stageCostFields,
  }),
  { description: "One task of a stage run as several tasks: where its time went." },
);

export const StageTimingSchema = component(
  "StageTiming",
  z.object({
    stage: StageNameSchema,
    ...stageCostFields,
    parts: described(
      z.array(StageTimingPartSchema),
      "For a job with a template, video_analysis, audio_analysis and motion_analysis each run as two tasks, " +
        "one per input, that workers take side by side; a chunked render runs one task per chunk, then the join: " +
        "each task's own figures, in that order. The stage's `wall_seconds` is then its span (the first task " +
        "taken to the last one stored), `queue_wait_seconds` the wait until the first was taken, and the other " +
        "figures the tasks' sums. Empty for a stage run as one task.",
    ),
  }),
  { description: "Where one finished stage's time went." },
);

const AnalysisReuseSchema = component(
  "AnalysisReuse",
  z.object({
    stage: described(z.enum(["video_analysis", "audio_analysis"]), "The analysis stage."),
    input: described(z.enum(["source", "template"]), "Whose analysis it was."),
  }),
  {
    description:
      "An input's analysis taken from the content-hash cache (the same bytes were analysed for an earlier " +
      "job of the tenant): the stage did not decode that input.",
  },
);

const jobFields = {
  job_id: JobId,
  video_id: VideoId,
  status: JobStatusSchema,
  progress_percent: described(
    z.number().int().min(0).max(100),
    "0 when queued; advances through each stage's range, never backward; 100 only when completed.",
  ),
  current_stage: described(StageNameSchema.nullable(), "The active stage while `processing`, else null."),
  created_at: iso("When the job was created (ISO 8601 UTC)."),
  updated_at: iso("The job's most recent change."),
  started_at: isoOrNull("When processing began; null until then."),
  completed_at: isoOrNull("When the job reached a terminal state; null until then."),
  template_video_id: described(VideoId.nullable(), "The template video, if one was given; else null."),
  eta_seconds: described(
    z.number().int().min(0).nullable(),
    "Estimated seconds until completion while `processing` (a rough extrapolation of the job's " +
      "progress rate so far); null otherwise, and while too little progress has been made to estimate.",
  ),
  stage_timings: described(
    z.array(StageTimingSchema),
    "Where each finished stage's time went, in stage order (empty until the first stage is done).",
  ),
  analysis_reused: described(
    z.array(AnalysisReuseSchema),
    "Analyses reused from the content-hash cache instead of decoding the input again, in stage order " +
      "(empty when every input was analysed for this job).",
  ),
};

export const JobResponseSchema = component(
  "JobResponse",
  z.object({
    ...jobFields,
    error: described(JobErrorSchema.nullable().optional(), "Present only when `status` is `failed`."),
  }),
  {
    description:
      "A job's state. Returned by `POST /jobs`, `GET /jobs/{job_id}`, `POST /jobs/{job_id}/cancel`, " +
      "in job lists and as server-sent events.",
    examples: [
      {
        job_id: "job_xyz789abc123",
        video_id: "vid_abc123def456",
        status: "processing",
        progress_percent: 42,
        current_stage: "motion_analysis",
        created_at: "2024-04-05T10:30:00Z",
        updated_at: "2024-04-05T10:37:05Z",
        started_at: "2024-04-05T10:30:01Z",
        completed_at: null,
        template_video_id: null,
        eta_seconds: 580,
        stage_timings: [
          {
            stage: "video_analysis",
            wall_seconds: 41.2,
            queue_wait_seconds: 0.004,
            ffmpeg_runs: 2,
            ffmpeg_seconds: 40.1,
            ffmpeg_cpu_seconds: 52.3,
            worker_cpu_seconds: 6.8,
            parts: [],
          },
        ],
        analysis_reused: [],
      },
    ],
  },
);

export const EditSchema = component("Edit", withDescriptions(EditSummarySchema), {
  description:
    "The edit the render carried out: the template's cut rhythm on the beats of the output's music, " +
    'its transitions and zooms (see docs/rendering.md, "What the edit does").',
});

component("FieldFidelity", FieldFidelitySchema, {
  description:
    "One applied StyleJSON field: `requested` (the applied StyleJSON's value), `achieved` (re-extracted " +
    "from the output), `difference` (achieved − requested, null for text), the stated `tolerance` and a " +
    "`verdict`: `within`/`outside` the tolerance, `unreachable` (outside, with the `reason` it cannot be " +
    "reached), `not_applied` (reported, not judged) or `unmeasured`.",
});
component("FidelityRound", FidelityRoundSchema, {
  description:
    "One round of the closed loop before the final encode: a low-resolution proxy of the planned edit, " +
    "re-measured; `changed` says what the round corrected before rendering it.",
});
component("ColorFidelity", ColorFidelitySchema, {
  description:
    "Colour distance (Wasserstein-1 summed over L*, a*, b*, Lab units) from the untouched source and from " +
    "the output to the template's colour distribution, and `share_of_the_way` = 1 − output/source " +
    "(`within` from 0.7). `method` says how the colour was transferred: `distribution` (from the " +
    "style's `color_profile`), `parametric` (from the six `color_grade` numbers) or `none`.",
});
export const FidelitySchema = component("FidelityReport", FidelityReportSchema, {
  description:
    "How close the render came to the style it applied. The rendering stage re-extracts the output's " +
    "style from a low-resolution decode of the file it wrote (`measured_on`) and compares it field by " +
    "field: each `color_grade` field (±10), `aspect_ratio` (equal), `frame_rate` (±0.5 fps), " +
    "`cut_frequency` (±20%, at least ±0.25), primary transition type (equal) and duration (±100 ms), " +
    "`zoom_usage` (±10), `tempo_bpm` (±2%), integrated loudness `loudness_lufs` (±1 LU).",
});

export const JobDetailResponseSchema = component(
  "JobDetailResponse",
  z.object({
    ...jobFields,
    style_json: described(
      StyleJson.nullable(),
      "The Style DNA applied: the template's, the given `config.style_json`, or (with neither) the " +
        "source video's own.",
    ),
    edit: described(
      EditSchema.nullable(),
      "The edit the render carried out; null for `style_only` jobs and jobs that did not complete.",
    ),
    output_video_url: described(
      z.string().nullable(),
      "Storage URL of the rendered video (`file:///…` or `s3://…`); null for `style_only` jobs and " +
        "jobs that did not complete. Download it through `GET /jobs/{job_id}/output`.",
    ),
    error: described(JobErrorSchema.nullable(), "Failure details when `failed`; null otherwise."),
    processing_time_seconds: described(
      z.number().min(0).nullable(),
      "Seconds from the start of processing to the terminal state; null before.",
    ),
    fidelity: described(
      FidelitySchema.nullable(),
      "Requested vs achieved style of a completed `full` job; null for other jobs and states.",
    ),
  }),
  {
    description: "JobResponse plus the job's result (`GET /jobs/{job_id}/result`, webhook `data`).",
    examples: [
      {
        job_id: "job_xyz789abc123",
        video_id: "vid_abc123def456",
        status: "completed",
        progress_percent: 100,
        current_stage: null,
        created_at: "2024-04-05T10:30:00Z",
        updated_at: "2024-04-05T10:45:00Z",
        started_at: "2024-04-05T10:30:00Z",
        completed_at: "2024-04-05T10:45:00Z",
        template_video_id: "vid_template999abc",
        eta_seconds: null,
        stage_timings: [],
        analysis_reused: [
          { stage: "video_analysis", input: "template" },
          { stage: "audio_analysis", input: "template" },
        ],
        output_video_url: "file:///storage/job_xyz789abc123/output.mp4",
        edit: {
          duration_seconds: 12,
          cuts: [{ time_seconds: 2.4, beat_offset_ms: 0, kind: "punch_in" }],
          segments: [
            { source_in_seconds: 0, source_out_seconds: 2.4, output_start_seconds: 0 },
            { source_in_seconds: 2.4, source_out_seconds: 12, output_start_seconds: 2.4 },
          ],
          transitions: [{ type: "fade", duration_ms: 400, easing: "linear" }],
          audio: "continuous",
        },
        processing_time_seconds: 900.0,
        error: null,
        fidelity: null,
        style_json: {
          version: "1.0",
          color_grade: {
            temperature: 10,
            tint: 5,
            saturation: 20,
            contrast: 15,
            highlights: 10,
            shadows: -5,
          },
          aspect_ratio: "16:9",
          frame_rate: 30,
          audio_style: {
            normalization_level: 0.85,
            compression_ratio: 4.0,
            bass_boost: 20,
            enhance_speech: true,
          },
          cut_frequency: 3.5,
          motion_intensity: 65,
          zoom_usage: 30,
          primary_transition: { type: "fade", duration_ms: 300, easing: "ease-in-out" },
          detected_beats: [{ timestamp_ms: 0, confidence: 0.95, frequency: "bass" }],
          tempo_bpm: 120.0,
          music_genre: "pop",
          created_at: "2024-04-05T10:30:00Z",
          source_duration_seconds: 60.0,
          extraction_confidence: 0.92,
        },
      },
    ],
  },
);

export const VideoMetadataSchema = component(
  "VideoMetadata",
  z.object({
    width: z.number().int().min(0),
    height: z.number().int().min(0),
    duration_seconds: z.number().min(0),
    frame_rate: z.number().min(0),
    codec: z.string(),
    bitrate_kbps: z.number().int().min(0),
    format: z.string(),
  }),
  { description: "What ffprobe found in the uploaded file." },
);

export const VideoResponseSchema = component(
  "VideoResponse",
  z.object({
    video_id: VideoId,
    filename: z.string(),
    file_size_bytes: z.number().int().min(0),
    metadata: VideoMetadataSchema,
    uploaded_at: iso("When the upload completed (ISO 8601 UTC)."),
    storage_url: described(
      z.string(),
      "The object's storage URL: `file:///…` for the filesystem store, `s3://bucket/key` for S3.",
    ),
    webhook_url: described(z.string().nullable(), "Default webhook for this video's jobs."),
    template_video_id: described(VideoId.nullable(), "Default template for this video's jobs."),
  }),
  {
    examples: [
      {
        video_id: "vid_abc123def456",
        filename: "my_video.mp4",
        file_size_bytes: 52428800,
        metadata: {
          width: 1920,
          height: 1080,
          duration_seconds: 60.0,
          frame_rate: 30.0,
          codec: "h264",
          bitrate_kbps: 5000,
          format: "mp4",
        },
        uploaded_at: "2024-04-05T10:30:00Z",
        storage_url: "file:///storage/vid_abc123def456/my_video.mp4",
        webhook_url: "https://example.com/webhook",
        template_video_id: null,
      },
    ],
  },
);

export const DeliveryAttemptSchema = component(
  "WebhookDeliveryAttempt",
  z.object({
    attempt: z.number().int().min(1),
    at: isoOrNull("When the attempt was made."),
    status_code: described(z.number().int().nullable(), "The receiver's HTTP status; null if none came."),
    latency_ms: z.number().min(0),
    error: described(z.string().nullable(), "Why the attempt failed (timeout, refused target, …)."),
  }),
);

export const DeliverySchema = component(
  "WebhookDelivery",
  z.object({
    delivery_id: described(DeliveryId, "Also sent as the `webhook-id` header."),
    job_id: JobId,
    url: z.string(),
    state: described(
      z.enum(["pending", "delivered", "failed", "refused"]),
      "`pending` while attempts remain, `delivered` after a 2xx, `failed` after the last retry, " +
        "`refused` when the target is a private, loopback or link-local address not allow-listed.",
    ),
    attempts: z.array(DeliveryAttemptSchema),
  }),
  { description: "One webhook delivery and every attempt made for it." },
);

export const DeliveryListSchema = component(
  "WebhookDeliveryList",
  z.object({ deliveries: z.array(DeliverySchema) }),
);

export const SigningSecretSchema = component(
  "WebhookSigningSecret",
  z.object({
    secret: described(z.string(), "A Standard Webhooks secret, `whsec_` + base64."),
    expires_at: isoOrNull("Null for the current secret; when a rotated-out secret stops signing."),
  }),
);

export const SigningSecretsSchema = component(
  "WebhookSigningSecrets",
  z.object({
    secrets: described(
      z.array(SigningSecretSchema),
      "Newest first. During a rotation's grace period every listed secret signs each delivery.",
    ),
  }),
);

export const VideoDeletedSchema = component("VideoDeleted", z.object({ video_id: VideoId }));

export const HealthSchema = component("Health", z.object({ status: z.literal("ok") }));

export const ReadinessSchema = component(
  "Readiness",
  z.object({
    status: z.literal("ready"),
    checks: described(
      z.record(z.string(), z.string()),
      'Each dependency of this process (e.g. "object_store") and "up", or why it is not.',
    ),
  }),
);

/** `{success: true, message, data}`. */
export function successEnvelope<S extends z.ZodType>(id: string, data: S, message: string) {
  return component(
    id,
    z.object({
      success: z.literal(true),
      message: described(z.string(), `A human-readable message, e.g. "${message}".`),
      data,
    }),
  );
}

export const ErrorCodeSchema = component(
  "ErrorCode",
  z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  { description: "Stable, snake_case error codes; each maps to one HTTP status." },
);

export const ErrorResponseSchema = component(
  "ErrorResponse",
  z.object({
    success: z.literal(false),
    message: described(z.string(), "What is wrong, in words."),
    data: z.null(),
    error: z.object({
      code: ErrorCodeSchema,
      details: described(
        z.record(z.string(), z.unknown()),
        "Machine-readable specifics. Validation errors name the offending field in `details.field` " +
          "(dotted path, e.g. `config.quality`) and list every problem in `details.issues`.",
      ),
    }),
  }),
  {
    description: "Every 4xx and 5xx answer. Never an HTML page, never a stack trace.",
    examples: [
      {
        success: false,
        message: "invalid body: config.quality: Invalid option",
        data: null,
        error: {
          code: "validation_error",
          details: {
            field: "config.quality",
            issues: [{ field: "config.quality", message: "Invalid option" }],
          },
        },
      },
    ],
  },
);

const listFields = {
  total: described(z.number().int().min(0), "How many items match, on all pages."),
  page: z.number().int().min(1),
  page_size: z.number().int().min(1).max(100),
};

export const JobListResponseSchema = component(
  "JobListResponse",
  z.object({
    success: z.literal(true),
    message: z.string(),
    jobs: described(z.array(JobResponseSchema), "Newest first."),
    ...listFields,
  }),
  {
    description: "A page of jobs. To iterate, increment `page` until `(page - 1) * page_size >= total`.",
  },
);

export const VideoListResponseSchema = component(
  "VideoListResponse",
  z.object({
    success: z.literal(true),
    message: z.string(),
    videos: described(z.array(VideoResponseSchema), "Newest first."),
    ...listFields,
  }),
  { description: "A page of videos, paginated like jobs." },
);

export const WebhookPayloadSchema = component(
  "WebhookPayload",
  z.object({
    success: described(z.boolean(), "true when the job completed."),
    message: described(z.string(), '"Job completed", "Job failed" or "Job cancelled".'),
    data: JobDetailResponseSchema,
    job_id: JobId,
    status: described(
      z.enum(["completed", "failed", "cancelled"]),
      "The terminal status (same as `data.status`).",
    ),
    progress_percent: z.number().int().min(0).max(100),
    output_video_url: z.string().nullable(),
    processing_time_seconds: z.number().min(0).nullable(),
  }),
  {
    description:
      "The body POSTed to the job's `webhook_url` on every terminal state: the standard envelope " +
      "with the JobDetailResponse as `data`, plus the job's main fields at the top level.",
  },
);

export const JobEnvelope = successEnvelope("JobEnvelope", JobResponseSchema, "Job created");
export const JobDetailEnvelope = successEnvelope(
  "JobDetailEnvelope",
  JobDetailResponseSchema,
  "Job result retrieved",
);
export const VideoEnvelope = successEnvelope("VideoEnvelope", VideoResponseSchema, "Video retrieved");
export const VideoDeletedEnvelope = successEnvelope(
  "VideoDeletedEnvelope",
  VideoDeletedSchema,
  "Video deleted",
);
export const DeliveryListEnvelope = successEnvelope(
  "WebhookDeliveryListEnvelope",
  DeliveryListSchema,
  "Webhook deliveries retrieved",
);
export const DeliveryEnvelope = successEnvelope(
  "WebhookDeliveryEnvelope",
  DeliverySchema,
  "Webhook delivery queued for replay",
);
export const SigningSecretsEnvelope = successEnvelope(
  "WebhookSigningSecretsEnvelope",
  SigningSecretsSchema,
  "Webhook signing secrets retrieved",
);
export const HealthEnvelope = successEnvelope("HealthEnvelope", HealthSchema, "ok");
export const ReadinessEnvelope = successEnvelope("ReadinessEnvelope", ReadinessSchema, "ready");

/** Request bodies: the very schemas the gateway validates with. */
export const JobCreateRequest = component("JobCreateRequest", JobCreateBody, {
  description:
    "Unknown keys (also inside `config`) are rejected with 400. `config.style_json` and " +
    "`template_video_id` are mutually exclusive.",
  // the exclusion, for generators and validators: a template id string forbids config.style_json
  if: { required: ["template_video_id"], properties: { template_video_id: { type: "string" } } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords, not a thenable
  then: {
    properties: {
      config: { not: { type: "object", required: ["style_json"], properties: { style_json: {} } } },
    },
  },
  examples: [
    {
      video_id: "vid_abc123def456",
      template_video_id: "vid_template999abc",
      config: { quality: "high" },
      webhook_url: "https://yourapp.com/webhooks/clipzy",
    },
  ],
});
export const UploadFieldsSchema = UploadFields;

// --- Drift checks between these schemas and the presenters (compile time only). -------------
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : never;
const _job: Same<keyof JobResponse, keyof z.infer<typeof JobResponseSchema>> = true;
const _detail: Same<keyof JobDetailResponse, keyof z.infer<typeof JobDetailResponseSchema>> = true;
const _video: Same<keyof VideoResponse, keyof z.infer<typeof VideoResponseSchema>> = true;
const _videoMeta: Same<keyof VideoResponse["metadata"], keyof z.infer<typeof VideoMetadataSchema>> = true;
void [_job, _detail, _video, _videoMeta];
