/**
 * Property-based fuzzing of the whole public API with Schemathesis (PyPI, pinned, installed by
 * `npm test` into a venv: scripts/schemathesis.mjs), run against the embedded engine with API
 * keys set, from the engine's own OpenAPI document: every check, the examples, coverage, fuzzing
 * and stateful (links) phases, a bounded number of examples per operation. It passes when no
 * answer is a 5xx, undocumented, or off its schema, no invalid request is accepted, no valid one
 * refused, and the engine is still up afterwards. FUZZ_SEED reruns a given seed; FUZZ_EXAMPLES
 * changes the bound.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSchemathesis } from "../scripts/schemathesis.mjs";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { sleep } from "./support/wait.js";

const HOOKS_DIR = join(dirname(fileURLToPath(import.meta.url)), "fuzz");
const TOKEN = "tok_fuzz";
const SEED = process.env.FUZZ_SEED ?? "11";
const EXAMPLES = process.env.FUZZ_EXAMPLES ?? "15";

/**
 * What a schema cannot state, said to the checks, and nothing else:
 * - the tus protocol answers a request without `Tus-Resumable` with 412 (tus 1.0 core), and
 *   refuses what contradicts the upload's state (offsets, lengths: 400/409/410/413);
 * - an uploaded file that is not a decodable video is 422 whatever its schema-valid bytes;
 * - `config.duration_seconds` is bounded by the source video's duration (400 beyond it).
 */
const config = (videoId: string, jobId: string) => `
headers = { Authorization = "Bearer ${TOKEN}" }
hooks = "clipzy_hooks"
workers = 2
request-timeout = 30
generation.max-examples = ${EXAMPLES}

[parameters]
"path.video_id" = "${videoId}"
"path.job_id" = "${jobId}"

[[operations]]
include-path-regex = "^/videos/tus"
checks.missing_required_header.expected-statuses = [400, 401, 403, 406, 412, 415, 422]
checks.negative_data_rejection.expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409, 410, 413, 422, 429]

[[operations]]
include-operation-id = "uploadVideo"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 413, 422, 429]
`;

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("Schemathesis against the running engine", () => {
  let engine: TestEngine;
  let st = "";
  let videoId = "";
  let jobId = "";
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    st = ensureSchemathesis();
    engine = await startTestEngine({ API_KEYS: `${TOKEN}:fuzz` });
    const dir = await fixtureDir(engine.dataDir);
    const form = new FormData();
    const { openAsBlob } = await import("node:fs");
    form.set(
      "file",
      await openAsBlob(await makeClip(join(dir, "seed.mp4"), { seconds: 1, width: 160, height: 90 })),
      "seed.mp4",
    );
    videoId = (await engine.api("/api/v1/videos/upload", { method: "POST", body: form, headers: auth })).body
      .data.video_id;
    // a finished job, so result/output/events have something real to answer with
    jobId = (await engine.api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } }, auth)))
      .body.data.job_id;
    for (let i = 0; i < 600; i++) {
      const { body } = await engine.api(`/api/v1/jobs/${jobId}`, { headers: auth });
      if (body.data.status === "completed") break;
      await sleep(200);
    }
  }, 600_000);
  afterAll(() => engine?.cleanup());

  it("finds no server error, no undocumented or schema-violating answer, no invalid request accepted", async () => {
    const configFile = join(engine.dataDir, "schemathesis.toml");
    await writeFile(configFile, config(videoId, jobId));
    const schema = `http://127.0.0.1:${engine.port}/api/v1/openapi.json`;
    const { code, out } = await run(
      st,
      [
        "--no-color",
        "--config-file",
        configFile,
        "run",
        schema,
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        SEED,
        "--report",
        "junit",
        "--report-dir",
        join(engine.dataDir, "schemathesis-report"),
      ],
      { PYTHONPATH: HOOKS_DIR },
      engine.dataDir, // its cache (.schemathesis/) goes with the run's data
    );
    // the whole report on failure: what failed, and the curl to reproduce it
    expect(code, out).toBe(0);
    console.log(
      out
        .split("\n")
        .filter((l) => /Seed|passed|Scenarios|API Links|generated/.test(l))
        .join("\n"),
    );
    expect(out).toMatch(/Stateful/);
    expect(out).not.toMatch(/No tests were run/);
    // and the engine is still up and serving
    expect((await engine.api("/healthz")).status).toBe(200);
    expect((await engine.api(`/api/v1/jobs/${jobId}`, { headers: auth })).body.data.status).toBe("completed");
  }, 900_000);
});
