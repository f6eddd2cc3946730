import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { WebhookPayload } from "./client.js";

/**
 * Verifies a webhook the Standard Webhooks way (HMAC-SHA256 of `id.timestamp.body`, timestamps
 * within 5 minutes) with the standardwebhooks library. Pass every secret you hold during a
 * rotation: the delivery is genuine when any of them verifies. `body` must be the raw body as
 * received, not re-serialized JSON. Throws WebhookVerificationError otherwise.
 */
export function verifyWebhook(
  secrets: string | readonly string[],
  body: string,
  headers: Headers | Record<string, string | string[] | undefined>,
): WebhookPayload {
  const h: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [k, v] of entries) if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  let last: unknown;
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    try {
      return new Webhook(secret).verify(body, h) as WebhookPayload;
    } catch (err) {
      last = err;
    }
  }
  throw last ?? new WebhookVerificationError("no secret to verify with");
}

export { WebhookVerificationError };
