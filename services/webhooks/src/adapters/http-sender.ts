import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface SendResult {
  statusCode: number;
  error: string | null;
}

/**
 * POSTs a webhook after checking every address the host resolves to against the policy.
 * (Pinning the connection to the checked address, against DNS rebinding, is tracked separately.)
 */
export async function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowed: (ip: string) => boolean,
  timeoutMs: number,
): Promise<SendResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { statusCode: 0, error: "invalid URL" };
  }
  if (target.protocol !== "http:" && target.protocol !== "https:")
    return { statusCode: 0, error: "only http(s) targets" };
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) return { statusCode: 0, error: `cannot resolve ${host}` };
  const refused = addresses.find((a) => !allowed(a));
  if (refused)
    return { statusCode: -1, error: `refused: ${host} resolves to a private or local address (${refused})` };
  try {
    const res = await fetch(target, {
      method: "POST",
      body,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { statusCode: res.status, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error;
    return {
      statusCode: 0,
      error: e.name === "TimeoutError" ? `no response within ${timeoutMs} ms` : e.message,
    };
  }
}
