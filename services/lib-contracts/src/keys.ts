import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `vid_` / `job_` + 16 lowercase alphanumerics (API.md: 12 or more). */
export function newId(prefix: "vid" | "job"): string {
  const bytes = randomBytes(16);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

/**
 * What each kind of id looks like (API.md: `vid_`/`job_` + 12 or more lowercase alphanumerics,
 * bounded here). The gateway answers 404 for anything else before any work is done.
 */
export const ID_FORMATS = {
  video: /^vid_[a-z0-9]{12,64}$/,
  job: /^job_[a-z0-9]{12,64}$/,
  /** Webhook deliveries: `msg_` + 24 hex characters (see the webhooks service's deliveryId). */
  delivery: /^msg_[0-9a-f]{24}$/,
} as const;

export type IdKind = keyof typeof ID_FORMATS;

export const isId = (kind: IdKind, value: unknown): value is string =>
  typeof value === "string" && ID_FORMATS[kind].test(value);

/** Object-store keys: one place that knows the layout. */
export const storageKeys = {
  video: (videoId: string, filename: string) => `videos/${videoId}/${filename}`,
  artifact: (jobId: string, stage: string) => `artifacts/${jobId}/${stage}.json`,
  /** One input's result of an analysis stage (INPUT_STAGES), e.g. `video_analysis-template.json`. */
  inputArtifact: (jobId: string, stage: string, input: string) => `artifacts/${jobId}/${stage}-${input}.json`,
  artifactBlob: (jobId: string, name: string) => `artifacts/${jobId}/${name}`,
  /** The colour transfer as a 3D LUT (.cube) the style-applier writes and GET /jobs/{id}/grade.cube serves. */
  gradeLut: (jobId: string) => `artifacts/${jobId}/grade.cube`,
  /** One input's low-resolution frame features, written by video analysis for motion analysis. */
  motionFeatures: (jobId: string, input: string) => `artifacts/${jobId}/motion-${input}.bin`,
  /** The closed loop's low-resolution intermediate of an input, written by video analysis. */
  loopIntermediate: (jobId: string, input: string) => `artifacts/${jobId}/intermediate-${input}.mov`,
  output: (jobId: string) => `artifacts/${jobId}/output.mp4`,
  /**
   * Chunk i of n of a chunked render (video only), keyed by index and count: a redelivered chunk
   * overwrites its own key, and the join reads exactly the chunks of its plan.
   */
  renderChunk: (jobId: string, index: number, count: number) =>
    `artifacts/${jobId}/render/chunk-${String(index).padStart(4, "0")}-of-${count}.mp4`,
  /** The last proxy the closed loop rendered before the final encode; GET /jobs/{id}/preview serves it. */
  preview: (jobId: string) => `artifacts/${jobId}/preview.mp4`,
  jobPrefix: (jobId: string) => `artifacts/${jobId}/`,
  /**
   * A video's analyses, cached by content (sha256 of its bytes) within a tenant: every video of
   * the tenant with the same bytes shares them; the last one deleted takes them along.
   */
  analysisPrefix: (tenantId: string, sha256: string) => `analysis/${encodeURIComponent(tenantId)}/${sha256}/`,
  analysis: (tenantId: string, sha256: string, name: string) =>
    `analysis/${encodeURIComponent(tenantId)}/${sha256}/${name}`,
};
