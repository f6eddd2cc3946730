import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `vid_` / `job_` + 16 lowercase alphanumerics (API.md: 12 or more). */
export function newId(prefix: "vid" | "job"): string {
  const bytes = randomBytes(16);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

/** Object-store keys: one place that knows the layout. */
export const storageKeys = {
  video: (videoId: string, filename: string) => `videos/${videoId}/${filename}`,
  artifact: (jobId: string, stage: string) => `artifacts/${jobId}/${stage}.json`,
  artifactBlob: (jobId: string, name: string) => `artifacts/${jobId}/${name}`,
  output: (jobId: string) => `artifacts/${jobId}/output.mp4`,
  jobPrefix: (jobId: string) => `artifacts/${jobId}/`,
};
