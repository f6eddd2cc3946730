import { openAsBlob } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { loadOpenApi } from "./support/openapi.js";
import { expectError } from "./support/shapes.js";

/** Strings that have broken servers: non-ASCII, NUL, an RTL override, a very long one, a traversal. */
const HOSTILE = [
  "vidé",
  "\u0084",
  "a\u0000b",
  "\u202eexe.4pm",
  "x".repeat(10_000),
  "..%2F",
  "../../etc/passwd",
];

type Json = Record<string, any>;

/** Every property path of a request body schema (objects are walked, $refs resolved). */
function fieldPaths(schema: Json, resolve: (ref: string) => unknown, at: string[] = []): string[][] {
  const s = (schema.$ref ? resolve(schema.$ref) : schema) as Json;
  const variants = [s, ...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].map(
    (v: Json) => (v.$ref ? resolve(v.$ref) : v) as Json,
  );
  const out: string[][] = [];
  for (const v of variants) {
    for (const [k, child] of Object.entries<Json>(v.properties ?? {})) {
      out.push([...at, k]);
      out.push(...fieldPaths(child, resolve, [...at, k]));
    }
  }
  return out;
}

function withField(base: Json, path: string[], value: unknown): Json {
  const copy = structuredClone(base);
  let node = copy;
  for (const k of path.slice(0, -1)) {
    node[k] = node[k] && typeof node[k] === "object" && !Array.isArray(node[k]) ? node[k] : {};
    node = node[k];
  }
  node[path.at(-1)!] = value;
  return copy;
}

describe("hostile strings in every path and body field get a 4xx, and the engine keeps answering", () => {
  let engine: TestEngine;
  let videoId = "";
  let jobId = "";
  let clip = "";
  const auth = { authorization: "Bearer tok_h" };

  beforeAll(async () => {
    engine = await startTestEngine({ API_KEYS: "tok_h:tenant_h" });
    const dir = await fixtureDir(engine.dataDir);
    clip = await makeClip(join(dir, "tiny.mp4"), { seconds: 1, width: 160, height: 90 });
    const form = new FormData();
    form.set("file", await openAsBlob(clip), "tiny.mp4");
    const up = await engine.api("/api/v1/videos/upload", { method: "POST", body: form, headers: auth });
    videoId = up.body.data.video_id;
    const job = await engine.api(
      "/api/v1/jobs",
      json({ video_id: videoId, config: { mode: "style_only" } }, auth),
    );
    jobId = job.body.data.job_id;
  });
  afterAll(() => engine?.cleanup());

  const alive = async () => {
    expect((await engine.api("/healthz")).status).toBe(200);
    expect((await engine.api(`/api/v1/videos/${videoId}`, { headers: auth })).status).toBe(200);
  };

  it("the request that stopped the engine (GET /videos/%C2%84) is a 404, and the engine still answers", async () => {
    expectError(await engine.api("/api/v1/videos/%C2%84", { headers: auth }), 404, "video_not_found");
    expectError(await engine.api("/api/v1/jobs", json({ video_id: "vidé" }, auth)), 404, "video_not_found");
    expectError(await engine.api("/api/v1/jobs/job_%C2%84/result", { headers: auth }), 404, "job_not_found");
    await alive();
  });

  it("every path parameter of every operation", async () => {
    let sent = 0;
    for (const o of (await loadOpenApi(engine.url.replace("localhost", "127.0.0.1"))).operations) {
      const params = (o.op.parameters ?? []).filter((p: Json) => p.in === "path");
      if (params.length === 0) continue;
      for (const bad of HOSTILE) {
        for (const encoded of [encodeURIComponent(bad), bad === "..%2F" ? bad : null]) {
          if (encoded === null) continue;
          let path = o.template;
          for (const p of params) path = path.replace(`{${p.name}}`, encoded);
          const res = await engine.api(path, { method: o.method.toUpperCase(), headers: auth });
          sent++;
          expect(res.status, `${o.method} ${o.template} ${bad.slice(0, 20)}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${o.method} ${o.template}`).toBeLessThan(500);
          if (o.method !== "head" && !o.pathKey.startsWith("/videos/tus")) {
            expect(res.body.success, `${o.method} ${o.template}`).toBe(false);
            expect(typeof res.body.error.code).toBe("string");
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(50);
    await alive();
  });

  it("every field of every JSON body", async () => {
    const doc = await loadOpenApi(engine.url.replace("localhost", "127.0.0.1"));
    let sent = 0;
    for (const o of doc.operations) {
      const schema = o.op.requestBody?.content?.["application/json"]?.schema;
      if (!schema) continue;
      const base = { video_id: videoId, config: { style_json: { version: "1.0" } } };
      const paths = fieldPaths(schema, doc.resolve);
      expect(paths.length, o.template).toBeGreaterThan(10);
      for (const path of paths) {
        for (const bad of HOSTILE) {
          const body = withField(path[0] === "config" ? base : { video_id: videoId }, path, bad);
          const res = await engine.api(o.template, json(body, auth));
          sent++;
          expect(
            res.status,
            `${o.template} ${path.join(".")}=${JSON.stringify(bad.slice(0, 20))}`,
          ).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body.success).toBe(false);
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    await alive();
  });

  it("every field of the multipart upload and of tus metadata", async () => {
    for (const field of ["webhook_url", "template_video_id"]) {
      for (const bad of HOSTILE) {
        const form = new FormData();
        form.set("file", await openAsBlob(clip), "tiny.mp4");
        form.set(field, bad);
        const res = await engine.api("/api/v1/videos/upload", { method: "POST", body: form, headers: auth });
        expect(res.status, `${field}=${bad.slice(0, 20)}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body.success).toBe(false);
        const meta = `filename ${Buffer.from("a.mp4").toString("base64")},${field} ${Buffer.from(bad).toString("base64")}`;
        const tus = await engine.api("/api/v1/videos/tus", {
          method: "POST",
          headers: { ...auth, "tus-resumable": "1.0.0", "upload-length": "10", "upload-metadata": meta },
        });
        expect(tus.status, `tus ${field}=${bad.slice(0, 20)}`).toBeGreaterThanOrEqual(400);
        expect(tus.status).toBeLessThan(500);
      }
    }
    // nothing was stored
    const list = await engine.api("/api/v1/videos", { headers: auth });
    expect(list.body.total).toBe(1);
    await alive();
  });

  it("a bad Last-Event-ID and a multipart type without boundary are 400s", async () => {
    for (const bad of ["-1", "abc", "1e3", "99999999999999999999"]) {
      const q = await engine.api(`/api/v1/jobs/${jobId}/events?last_event_id=${encodeURIComponent(bad)}`, {
        headers: auth,
      });
      expectError(q, 400, "validation_error");
      expect(q.body.error.details.field).toBe("last_event_id");
      const h = await engine.api(`/api/v1/jobs/${jobId}/events`, {
        headers: { ...auth, "last-event-id": bad },
      });
      expectError(h, 400, "validation_error");
    }
    const res = await engine.api("/api/v1/videos/upload", {
      method: "POST",
      headers: { ...auth, "content-type": "multipart/form-data" },
      body: "x",
    });
    expectError(res, 400, "bad_request");
    await alive();
  });

  it("an undeclared method is 405 with Allow, token or not", async () => {
    const cases: [string, string, string][] = [
      ["PUT", "/api/v1/jobs", "GET, POST, HEAD"],
      ["DELETE", `/api/v1/jobs/${jobId}`, "GET, HEAD"],
      ["PATCH", "/api/v1/videos", "GET, HEAD"],
      ["POST", "/healthz", "GET, HEAD"],
      ["OPTIONS", "/api/v1/jobs", "GET, POST, HEAD"],
      ["GET", `/api/v1/jobs/${jobId}/cancel`, "POST"],
      ["POST", `/api/v1/jobs/${jobId}/timeline.otio`, "GET, HEAD"],
      ["DELETE", `/api/v1/jobs/${jobId}/preview`, "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      for (const headers of [auth, {}]) {
        const res = await engine.api(path, { method, headers });
        expectError(res, 405, "method_not_allowed");
        expect(res.headers.get("allow")).toBe(allow);
      }
    }
    expectError(await engine.api("/api/v1/nothing-here", { headers: auth }), 404, "not_found");
    await alive();
  });
});
