import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";

export interface SendResult {
  /** HTTP status, 0 when no response arrived, -1 when the target was refused by policy. */
  statusCode: number;
  error: string | null;
}

class RefusedTarget extends Error {}

/**
 * POSTs a webhook. The address check runs inside the connection's own DNS lookup, so the
 * address that is checked is the address connected to: a name that rebinds to a private
 * address between a check and the connect cannot slip through.
 */
export function sendWebhook(
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
    return Promise.resolve({ statusCode: 0, error: "invalid URL" });
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.resolve({ statusCode: 0, error: "only http(s) targets are allowed" });
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const refusal = (ip: string) => `refused: ${host} is a private, loopback or link-local address (${ip})`;
  if (isIP(host) && !allowed(host)) return Promise.resolve({ statusCode: -1, error: refusal(host) });

  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const bad = addresses.find((a) => !allowed(a.address));
      if (bad) return callback(new RefusedTarget(refusal(bad.address)), "", 0);
      if (options.all)
        return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body), "user-agent": "clipzy-webhooks/1" },
        lookup,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ statusCode: status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` });
      },
    );
    req.on("error", (err) => {
      if (err instanceof RefusedTarget) resolve({ statusCode: -1, error: err.message });
      else if (err.name === "AbortError" || err.name === "TimeoutError")
        resolve({ statusCode: 0, error: `no response within ${timeoutMs} ms` });
      else resolve({ statusCode: 0, error: err.message });
    });
    req.end(body);
  });
}
