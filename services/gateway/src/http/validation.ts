import { AppError, MODES, QUALITIES, StyleJsonInputSchema } from "@clipzy/contracts";
import type { Request } from "express";
import { z } from "zod";
import { requireId } from "./ids.js";

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http or https URL");

const id = z.string().min(1).max(64);

export const JobCreateBody = z
  .object({
    video_id: id,
    template_video_id: id.nullish(),
    webhook_url: httpUrl.nullish(),
    config: z
      .object({
        quality: z.enum(QUALITIES).optional(),
        mode: z.enum(MODES).optional(),
        style_json: StyleJsonInputSchema.optional(),
        // At most the source's duration: checked by the jobs service, which knows the video.
        duration_seconds: z.number().min(1).optional(),
      })
      .strict()
      .nullish(),
  })
  .strict();

export const UploadFields = z
  .object({
    webhook_url: httpUrl.optional(),
    template_video_id: id.optional(),
  })
  .strict();

/** An upload's fields (multipart form or tus metadata): the schema, then the template id's format. */
export function parseUploadFields(value: unknown, what: string): z.infer<typeof UploadFields> {
  const fields = parse(UploadFields, value, what);
  if (fields.template_video_id !== undefined)
    requireId("video", fields.template_video_id, "template_video_id", "template_not_found");
  return fields;
}

const intParam = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`),
    )
    // prefault, not default: zod 4 returns a default as is, skipping the transform to a number.
    .prefault(String(def));

export const PageQuery = z.object({
  page: intParam("page", 1, 1, 1_000_000),
  page_size: intParam("page_size", 10, 1, 100),
  status: z.enum(["queued", "processing", "completed", "failed", "cancelled"]).optional(),
});

/** Parses with a schema; a failure is a 400 naming the offending field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const keys = i.code === "unrecognized_keys" ? (i as { keys?: string[] }).keys : undefined;
    const field = [...i.path, ...(keys?.length === 1 ? keys : [])].join(".") || what;
    return {
      field,
      message: keys?.length ? `unknown field${keys.length > 1 ? "s" : ""}: ${keys.join(", ")}` : i.message,
    };
  });
  const first = issues[0];
  throw new AppError("validation_error", `invalid ${what}: ${first.field}: ${first.message}`, {
    field: first.field,
    issues,
  });
}

/** The Idempotency-Key header, validated: 1–255 visible ASCII characters. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.headers["idempotency-key"];
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError("validation_error", "Idempotency-Key must be 1 to 255 visible ASCII characters", {
      field: "Idempotency-Key",
    });
  }
  return key;
}
