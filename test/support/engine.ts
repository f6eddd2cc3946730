import { openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Engine, type EngineHooks, loadEngineConfig, startEngine } from "@clipzy/engine";
import { loadOpenApi } from "./openapi.js";
import { waitFor } from "./wait.js";

export interface TestEngine extends Engine {
  api(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
  upload(
    file: string,
    fields?: Record<string, string>,
    filename?: string,
  ): Promise<{ status: number; body: any }>;
  waitFor(jobId: string, until?: (job: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Every job state seen while polling, in order. */
  poll(jobId: string, intervalMs?: number, timeoutMs?: number): Promise<any[]>;
  cleanup(): Promise<void>;
}

/** Starts the whole engine in this process on embedded adapters in a fresh temp data dir. */
export async function startTestEngine(
  env: Record<string, string> = {},
  hooks: EngineHooks = {},
): Promise<TestEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), "clipzy-test-"));
  const config = loadEngineConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    WEBHOOK_RETRY_BASE_MS: "100",
    WEBHOOK_ALLOW_LIST: "127.0.0.0/8,::1",
    // Tests poll fast; rate limiting has its own test (rate-limit.test.ts).
    RATE_LIMIT_PER_MINUTE: "100000",
    ...env,
  });
  const engine = await startEngine(config, hooks);
  const base = `http://127.0.0.1:${engine.port}`;

  const api: TestEngine["api"] = async (path, init) => {
    const res = await fetch(base + path, init);
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    // Every answer must be what the engine's own OpenAPI document says (support/openapi.ts).
    const openapi = await loadOpenApi(base);
    const method = init?.method ?? "GET";
    const type = res.headers.get("content-type");
    if (/[/+]json\b/i.test(type ?? "") && typeof body !== "string") {
      openapi.validateResponse(method, path, res.status, body);
    } else openapi.checkResponse(method, path, res.status, type);
    return { status: res.status, body, headers: res.headers };
  };

  const upload: TestEngine["upload"] = async (file, fields = {}, filename = basename(file)) => {
    const form = new FormData();
    form.set("file", await openAsBlob(file), filename);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return api("/api/v1/videos/upload", { method: "POST", body: form });
  };

  const terminal = (j: any) => ["completed", "failed", "cancelled"].includes(j.status);
  const poll: TestEngine["poll"] = async (jobId, intervalMs = 100, timeoutMs = 90_000) => {
    const seen: any[] = [];
    await waitFor(
      `job ${jobId} to finish`,
      async () => {
        const { body } = await api(`/api/v1/jobs/${jobId}`);
        seen.push(body.data);
        return terminal(body.data);
      },
      { timeoutMs, intervalMs, detail: () => `last: ${JSON.stringify(seen.at(-1))}` },
    );
    return seen;
  };

  const waitForJob: TestEngine["waitFor"] = (jobId, until = terminal, timeoutMs = 90_000) =>
    waitFor(
      `job ${jobId} to reach the condition`,
      async () => {
        const { body } = await api(`/api/v1/jobs/${jobId}`);
        return until(body.data) && body.data;
      },
      { timeoutMs, intervalMs: 50 },
    );

  return {
    ...engine,
    api,
    upload,
    poll,
    waitFor: waitForJob,
    async cleanup() {
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
