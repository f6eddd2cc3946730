/** The embedded engine as `npm start` runs it (one node process), for the benchmarks. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../../scripts/infra.mjs";

const ROOT = join(import.meta.dirname, "..", "..");

export interface EngineProcess {
  base: string;
  child: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts `services/engine/dist/main.js` on a free port with a fresh data dir; `nodeArgs` e.g.
 * --cpu-prof; `root` another built checkout of the repository (a baseline build).
 */
export async function startEngineProcess(
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  root = ROOT,
): Promise<EngineProcess> {
  const dir = await mkdtemp(join(tmpdir(), "clipzy-bench-"));
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, join(root, "services", "engine", "dist", "main.js")], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(dir, "data"),
      LOG_LEVEL: "warn",
      RATE_LIMIT_PER_MINUTE: "0",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error("engine did not start in 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    child,
    dir,
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Upload → job → wait until terminal, over the public API; returns the job id. */
export async function completedJob(base: string, clip: string): Promise<string> {
  const form = new FormData();
  form.set("file", await openAsBlob(clip), basename(clip));
  const up = await (await fetch(`${base}/api/v1/videos/upload`, { method: "POST", body: form })).json();
  const created = await (
    await fetch(`${base}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ video_id: up.data.video_id, config: { quality: "low" } }),
    })
  ).json();
  const jobId = created.data.job_id as string;
  for (;;) {
    const job = (await (await fetch(`${base}/api/v1/jobs/${jobId}`)).json()).data;
    if (job.status === "completed") return jobId;
    if (job.status !== "queued" && job.status !== "processing") throw new Error(`job ${job.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Uploads a file over the public API; returns its video id. */
export async function uploadVideo(base: string, file: string): Promise<string> {
  const form = new FormData();
  form.set("file", await openAsBlob(file), basename(file));
  const r = await (await fetch(`${base}/api/v1/videos/upload`, { method: "POST", body: form })).json();
  return r.data.video_id as string;
}

/** POST /jobs with this body; returns the job id. */
export async function createJob(base: string, body: unknown): Promise<string> {
  const res = await fetch(`${base}/api/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()).data.job_id as string;
}
