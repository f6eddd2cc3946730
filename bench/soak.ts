/**
 * Soak of the embedded engine (prints figures; not a test):
 *   corepack pnpm exec tsx bench/soak.ts        (SOAK_SECONDS=600 by default, SOAK_WORKERS=4)
 * The engine runs as its own process (`node services/engine/dist/main.js`, API keys set, rate
 * limit off, fresh data dir) so that what is measured is the engine alone. Beside it:
 * - SOAK_WORKERS loops, each: upload a short generated clip, create a job (every 4th is cancelled
 *   a second after creation, every 5th is style_only), follow it to its end;
 * - one loop of fuzzed requests: hostile ids and strings in every path and body field, undeclared
 *   methods, broken JSON and multipart, bad tus headers, downloads abandoned mid-body.
 * At the end: jobs completed / failed / cancelled, jobs not terminal after a grace period (lost
 * or stuck), 5xx answers, the engine's RSS and open file descriptors at the start and the end
 * (after the same idle settle), and every log line at level error or above.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openAsBlob } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
// @ts-expect-error: plain ESM script without type declarations
import { freePort } from "../scripts/infra.mjs";
import { makeClip } from "../test/support/media.js";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 4);
const TOKEN = "tok_soak";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const HOSTILE = [
  "vidé",
  "%C2%84",
  "a\u0000b",
  "\u202eexe.4pm",
  "x".repeat(10_000),
  "..%2F",
  "job_",
  "vid_'; --",
];

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

interface Sample {
  rssMb: number;
  fds: number;
}

async function sample(pid: number): Promise<Sample> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(rssKb / 102.4) / 10, fds: (await readdir(`/proc/${pid}/fd`)).length };
}

async function startEngine(dataDir: string, port: number, errors: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["services/engine/dist/main.js"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      API_KEYS: `${TOKEN}:soak`,
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      let level = 0;
      try {
        level = JSON.parse(line).level ?? 0;
      } catch {
        if (/error|warning/i.test(line)) errors.push(line); // non-JSON: Node warnings, crashes
        return;
      }
      if (level >= 50) errors.push(line);
    });
  }
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the engine exited with ${child.exitCode}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    if (up?.ok) return child;
    await sleep(100);
  }
  throw new Error("the engine did not come up");
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), "clipzy-soak-"));
  const port: number = await freePort();
  const base = `http://127.0.0.1:${port}/api/v1`;
  const errors: string[] = [];
  const engine = await startEngine(dataDir, port, errors);
  const clip = await makeClip(join(dataDir, "clip.mp4"), {
    seconds: 3,
    source: "testsrc2=size=320x180:rate=25,noise=alls=12:allf=t",
  });
  const counts = { completed: 0, failed: 0, cancelled: 0, uploads: 0, fuzzed: 0, fuzz5xx: 0, other5xx: 0 };
  const jobIds: string[] = [];
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(base + path, { ...init, headers: { ...AUTH, ...(init.headers ?? {}) } });
    const body = await res.json().catch(() => null);
    if (res.status >= 500) {
      counts.other5xx++;
      errors.push(`HTTP ${res.status} ${init.method ?? "GET"} ${path}: ${JSON.stringify(body)}`);
    }
    return { status: res.status, body };
  };

  await sleep(2000); // the same idle settle before both samples
  const start = await sample(engine.pid!);
  const deadline = Date.now() + SECONDS * 1000;
  let n = 0;

  const jobLoop = async () => {
    while (Date.now() < deadline) {
      const i = n++;
      const form = new FormData();
      form.set("file", await openAsBlob(clip), "clip.mp4");
      const up = await api("/videos/upload", { method: "POST", body: form });
      if (up.status !== 200) continue;
      counts.uploads++;
      const videoId = up.body.data.video_id;
      const mode = i % 5 === 4 ? "style_only" : "full";
      const created = await api("/jobs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ video_id: videoId, config: { quality: "low", mode } }),
      });
      if (created.status !== 200) continue;
      const jobId = created.body.data.job_id;
      jobIds.push(jobId);
      if (i % 4 === 3) {
        await sleep(1000);
        await api(`/jobs/${jobId}/cancel`, { method: "POST" });
      }
      for (;;) {
        const { body } = await api(`/jobs/${jobId}`);
        const status = body?.data?.status;
        if (status === "completed" || status === "failed" || status === "cancelled") {
          counts[status as "completed" | "failed" | "cancelled"]++;
          break;
        }
        await sleep(500);
      }
      // delete the video once its job is over, so storage stays bounded over a long soak
      await api(`/videos/${videoId}`, { method: "DELETE" });
    }
  };

  const fuzzLoop = async () => {
    const paths = ["/videos/{v}", "/jobs/{j}", "/jobs/{j}/result", "/jobs/{j}/output", "/jobs/{j}/events"];
    while (Date.now() < deadline) {
      const bad = encodeURIComponent(pick(HOSTILE));
      const known = jobIds.at(-1) ?? "job_000000000000";
      const requests: [string, RequestInit][] = [
        [pick(paths).replace("{v}", bad).replace("{j}", bad), {}],
        [`/jobs/${bad}/cancel`, { method: "POST" }],
        [
          pick(["/jobs", "/videos", `/jobs/${known}`]),
          { method: pick(["PUT", "PATCH", "DELETE", "OPTIONS"]) },
        ],
        [
          "/jobs",
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              video_id: pick(HOSTILE),
              config: { style_json: { version: "1.0", frame_rate: 1e308, aspect_ratio: pick(HOSTILE) } },
            }),
          },
        ],
        [
          "/jobs",
          { method: "POST", headers: { "content-type": "application/json" }, body: '{"video_id": "vid_' },
        ],
        ["/videos/upload", { method: "POST", headers: { "content-type": "multipart/form-data" }, body: "x" }],
        ["/videos/tus", { method: "POST", headers: { "tus-resumable": "1.0.0", "upload-length": "-5" } }],
        [`/jobs/${known}/events?last_event_id=${bad}`, {}],
      ];
      for (const [path, init] of requests) {
        const res = await fetch(base + path, { ...init, headers: { ...AUTH, ...(init.headers ?? {}) } });
        counts.fuzzed++;
        if (res.status >= 500) {
          counts.fuzz5xx++;
          errors.push(`HTTP ${res.status} ${init.method ?? "GET"} ${path.slice(0, 80)}`);
        }
        await res.body?.cancel(); // hang up mid-body, as abandoned downloads do
      }
      await sleep(50);
    }
  };

  await Promise.all([...Array.from({ length: WORKERS }, jobLoop), fuzzLoop()]);
  // every job must end: none lost, none stuck
  const graceEnd = Date.now() + 120_000;
  let open: string[] = [];
  do {
    open = [];
    for (const id of jobIds) {
      const { body } = await api(`/jobs/${id}`);
      if (!["completed", "failed", "cancelled"].includes(body?.data?.status)) open.push(id);
    }
    if (open.length) await sleep(1000);
  } while (open.length && Date.now() < graceEnd);
  await sleep(2000);
  const end = await sample(engine.pid!);
  const alive = engine.exitCode === null && (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  engine.kill("SIGTERM");
  await new Promise((r) => engine.once("exit", r));
  await rm(dataDir, { recursive: true, force: true });

  const minutes = SECONDS / 60;
  console.log(
    `soak: ${minutes.toFixed(1)} min, ${WORKERS} upload+job loops and a fuzz loop (2 cores, shared)`,
  );
  console.log(
    `jobs: ${jobIds.length} created, ${counts.completed} completed, ${counts.failed} failed, ` +
      `${counts.cancelled} cancelled, ${open.length} not terminal 2 min after the load stopped`,
  );
  console.log(
    `fuzzed requests: ${counts.fuzzed}, 5xx among them: ${counts.fuzz5xx}; other 5xx: ${counts.other5xx}`,
  );
  console.log(
    `engine RSS: ${start.rssMb} MB at the start, ${end.rssMb} MB at the end (×${(end.rssMb / start.rssMb).toFixed(2)})`,
  );
  console.log(`engine open fds: ${start.fds} at the start, ${end.fds} at the end`);
  console.log(`engine still answering: ${alive}`);
  console.log(`error log lines: ${errors.length}`);
  for (const line of errors.slice(0, 20)) console.log(`  ${line.slice(0, 300)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
