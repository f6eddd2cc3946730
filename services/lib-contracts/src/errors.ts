/** Stable error codes and the HTTP status each maps to: the gateway's one mapping table. */
export const ERROR_CODES = {
  bad_request: 400,
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  not_found: 404,
  video_not_found: 404,
  job_not_found: 404,
  template_not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  job_not_completed: 409,
  job_terminal: 409,
  video_in_use: 409,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_media: 422,
  media_limit_exceeded: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code; the only kind of error that crosses a service boundary with its message intact. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
