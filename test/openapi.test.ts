import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ERROR_CODES } from "@clipzy/contracts";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";
import { loadOpenApi, type OpenApi, OpenApiMismatch } from "./support/openapi.js";
import { expectError } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every `$ref` in the document, with the JSON pointer where it stands. */
function refs(node: unknown, at = "#"): [string, string][] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === "$ref" && typeof v === "string" ? [[at, v] as [string, string]] : refs(v, `${at}/${k}`),
  );
}

/** JSON pointers of every schema an operation or webhook uses (parameters, bodies, headers). */
function schemaPointers(doc: any): string[] {
  const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
  const out: string[] = [];
  const media = (content: any, at: string) => {
    for (const [type, m] of Object.entries<any>(content ?? {}))
      if (m.schema) out.push(`${at}/content/${esc(type)}/schema`);
  };
  const operation = (op: any, at: string) => {
    (op.parameters ?? []).forEach((p: any, i: number) => {
      if (p.schema) out.push(`${at}/parameters/${i}/schema`);
    });
    if (op.requestBody) media(op.requestBody.content, `${at}/requestBody`);
    for (const [status, r] of Object.entries<any>(op.responses ?? {})) {
      if (r.$ref) continue;
      media(r.content, `${at}/responses/${status}`);
      for (const name of Object.keys(r.headers ?? {}))
        out.push(`${at}/responses/${status}/headers/${esc(name)}/schema`);
    }
  };
  for (const section of ["paths", "webhooks"]) {
    for (const [path, item] of Object.entries<any>(doc[section] ?? {})) {
      for (const method of METHODS)
        if (item[method]) operation(item[method], `#/${section}/${esc(path)}/${method}`);
    }
  }
  for (const name of Object.keys(doc.components?.schemas ?? {}))
    out.push(`#/components/schemas/${esc(name)}`);
  for (const [name, r] of Object.entries<any>(doc.components?.responses ?? {})) {
    media(r.content, `#/components/responses/${esc(name)}`);
  }
  return out;
}

describe("OpenAPI document, docs page and response validation", () => {
  let engine: TestEngine;
  let openapi: OpenApi;
  let base = "";
  let videoId = "";
  let receiver: Server;
  let hookUrl = "";
  const hooks: unknown[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        hooks.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    engine = await startTestEngine();
    base = `http://127.0.0.1:${engine.port}`;
    openapi = await loadOpenApi(base);
    const dir = await fixtureDir(engine.dataDir);
    const clip = await makeClip(join(dir, "tiny.mp4"), { seconds: 1, width: 160, height: 90 });
    videoId = (await engine.upload(clip, { webhook_url: hookUrl })).body.data.video_id;
  });
  afterAll(async () => {
    await engine?.cleanup();
    receiver?.close();
  });

  it("is a valid OpenAPI 3.1 document (official schema)", async () => {
    const doc = openapi.document;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("gives every operation responses, resolves every $ref and compiles every schema", () => {
    const doc = openapi.document;
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        expect(ids.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
      }
    }
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const [at, ref] of all) expect(() => openapi.resolve(ref), `${at} → ${ref}`).not.toThrow();
    const pointers = schemaPointers(doc);
    expect(pointers.length).toBeGreaterThan(100);
    for (const p of pointers) expect(() => openapi.compile(p), p).not.toThrow();
  });

  it("documents every endpoint of the public API with its error codes", () => {
    const ops = new Set(openapi.operations.map((o) => `${o.method.toUpperCase()} ${o.template}`));
    for (const op of [
      "POST /api/v1/videos/upload",
      "GET /api/v1/videos",
      "GET /api/v1/videos/{video_id}",
      "DELETE /api/v1/videos/{video_id}",
      "GET /api/v1/videos/{video_id}/content",
      "POST /api/v1/videos/tus",
      "HEAD /api/v1/videos/tus/{upload_id}",
      "PATCH /api/v1/videos/tus/{upload_id}",
      "OPTIONS /api/v1/videos/tus",
      "DELETE /api/v1/videos/tus/{upload_id}",
      "POST /api/v1/jobs",
      "GET /api/v1/jobs",
      "GET /api/v1/jobs/{job_id}",
      "GET /api/v1/jobs/{job_id}/result",
      "POST /api/v1/jobs/{job_id}/cancel",
      "GET /api/v1/jobs/{job_id}/output",
      "GET /api/v1/jobs/{job_id}/events",
      "GET /api/v1/jobs/{job_id}/webhook-deliveries",
      "POST /api/v1/webhook-deliveries/{delivery_id}/replay",
      "GET /api/v1/webhooks/secret",
      "POST /api/v1/webhooks/secret/rotate",
      "GET /api/v1/openapi.json",
      "GET /api/v1/docs",
      "GET /healthz",
      "GET /dashboard",
      "GET /",
    ]) {
      expect(ops.has(op), op).toBe(true);
    }
    const doc = openapi.document;
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.webhooks.jobTerminal.post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/WebhookPayload",
    });
    // Every error code listed under a status maps to that status in the gateway's table.
    for (const o of openapi.operations) {
      const secured = o.op.security === undefined;
      for (const [status, r] of Object.entries<any>(o.op.responses)) {
        const response = r.$ref ? (openapi.resolve(r.$ref) as any) : r;
        const codes: string[] =
          response.content?.["application/json"]?.schema?.allOf?.[1]?.properties?.error?.properties?.code
            ?.enum ?? [];
        for (const code of codes) {
          expect(ERROR_CODES[code as keyof typeof ERROR_CODES], `${o.template} ${status} ${code}`).toBe(
            Number(status),
          );
        }
      }
      if (secured) {
        for (const s of ["401", "429"]) expect(o.op.responses[s], `${o.template} ${s}`).toBeDefined();
        expect(o.op.responses["429"].$ref).toBe("#/components/responses/Error429_rate_limited");
      }
    }
    const rateLimited = openapi.resolve("#/components/responses/Error429_rate_limited") as any;
    expect(rateLimited.headers["Retry-After"]).toBeDefined();
    const createJob = openapi.operations.find((o) => o.method === "post" && o.pathKey === "/jobs")!;
    expect(createJob.op.parameters.map((p: any) => p.name)).toContain("Idempotency-Key");
    const events = openapi.operations.find((o) => o.pathKey === "/jobs/{job_id}/events")!;
    expect(Object.keys(events.op.responses["200"].content)).toEqual(["text/event-stream"]);
    expect(events.op.parameters.map((p: any) => p.name)).toContain("Last-Event-ID");
  });

  it("keeps the examples it shows valid", () => {
    for (const [name, schema] of Object.entries<any>(openapi.document.components.schemas)) {
      for (const example of schema.examples ?? []) {
        const validate = openapi.compile(`#/components/schemas/${name}`);
        expect(validate(example), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  it("serves the docs page and its assets from the engine itself, nothing from another host", async () => {
    const res = await fetch(`${base}/api/v1/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    const html = await res.text();
    expect(html).toContain('id="swagger-ui"');
    // No absolute URL to anywhere (relative URLs only), hence no CDN.
    expect(html.match(/https?:\/\/[^"'\s)]+/g) ?? []).toEqual([]);
    expect(html).not.toMatch(/src=["']\/\/|href=["']\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    const types: Record<string, RegExp> = {
      ".css": /^text\/css/,
      ".js": /javascript/,
      ".png": /^image\/png/,
    };
    for (const asset of assets) {
      const url = new URL(asset, `${base}/api/v1/docs`);
      expect(url.origin).toBe(base);
      const r = await fetch(url);
      expect(r.status, asset).toBe(200);
      const ext = asset.slice(asset.lastIndexOf("."));
      expect(r.headers.get("content-type"), asset).toMatch(types[ext]);
      const text = await r.text();
      expect(text.length, asset).toBeGreaterThan(0);
      if (ext === ".css") expect(text).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
    }
    // The initializer points Swagger UI at this engine's document and turns the online validator off.
    const init = await (await fetch(`${base}/api/v1/docs/init.js`)).text();
    expect(init).toContain('url: "openapi.json"');
    expect(init).toContain("validatorUrl: null");
    expect(init).not.toMatch(/https?:\/\//);
    // The document URL it names is the one served.
    const doc = await fetch(new URL("openapi.json", `${base}/api/v1/docs`));
    expect(doc.status).toBe(200);
    // Only the listed files are served from the package.
    expect((await fetch(`${base}/api/v1/docs/index.html`)).status).toBe(404);
    const slash = await fetch(`${base}/api/v1/docs/`, { redirect: "manual" });
    expect(slash.status).toBe(301);
    expect(new URL(slash.headers.get("location")!, `${base}/api/v1/docs/`).pathname).toBe("/api/v1/docs");
  });

  it("validates real success and error responses (every api() call is checked)", async () => {
    const api = engine.api;
    // Success: through api(), which throws on any mismatch with the document.
    expect((await api("/healthz")).status).toBe(200);
    expect((await api(`/api/v1/videos/${videoId}`)).status).toBe(200);
    expect((await api("/api/v1/videos?page=1&page_size=5")).body.videos.length).toBe(1);
    const created = await api("/api/v1/jobs", json({ video_id: videoId, config: { quality: "low" } }));
    expect(created.status).toBe(200);
    const jobId = created.body.data.job_id;
    // Errors, each validated against its operation's documented status and codes.
    expectError(await api(`/api/v1/jobs/${jobId}/result`), 409, "job_not_completed");
    const cancelled = await api(`/api/v1/jobs/${jobId}/cancel`, { method: "POST" });
    expect(cancelled.body.data.status).toBe("cancelled");
    expectError(await api(`/api/v1/jobs/${jobId}/cancel`, { method: "POST" }), 409, "job_terminal");
    expectError(await api(`/api/v1/jobs/${jobId}/output`), 409, "job_not_completed");
    expectError(await api("/api/v1/jobs/job_doesnotexist0"), 404, "job_not_found");
    expectError(await api("/api/v1/videos/vid_doesnotexist0"), 404, "video_not_found");
    const second = (await api("/api/v1/jobs", json({ video_id: videoId }))).body.data.job_id;
    expectError(await api(`/api/v1/videos/${videoId}`, { method: "DELETE" }), 409, "video_in_use");
    expect((await api(`/api/v1/jobs/${second}/cancel`, { method: "POST" })).status).toBe(200);
    expectError(await api("/api/v1/jobs", json({ video_id: 1 })), 400, "validation_error");
    expectError(await api("/api/v1/jobs", json("{")), 400, "invalid_json");
    expectError(await api("/api/v1/jobs", { method: "POST", body: "x" }), 415, "unsupported_media_type");
    expectError(await api("/api/v1/jobs?page=0"), 400, "validation_error");
    expectError(await api("/api/v1/no-such-route"), 404, "not_found");
    const list = await api("/api/v1/jobs?status=cancelled");
    expect(list.body.jobs.map((j: any) => j.job_id)).toContain(jobId);
    expect((await api("/api/v1/webhooks/secret")).status).toBe(200);
    expect((await api("/api/v1/webhooks/secret/rotate", { method: "POST" })).status).toBe(200);

    // The cancellation's webhook arrives; its body is the document's WebhookPayload.
    let deliveries: any[] = [];
    await waitFor(
      "the cancellation's webhook delivered",
      async () => {
        deliveries = (await api(`/api/v1/jobs/${jobId}/webhook-deliveries`)).body.data.deliveries;
        return deliveries[0]?.state === "delivered" && hooks.length > 0;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(deliveries[0]?.state).toBe("delivered");
    const payload = openapi.compile("#/components/schemas/WebhookPayload");
    expect(payload(hooks[0]), JSON.stringify(payload.errors)).toBe(true);
    const replay = await api(`/api/v1/webhook-deliveries/${deliveries[0].delivery_id}/replay`, {
      method: "POST",
    });
    expect(replay.status).toBe(200);
    expectError(
      await api("/api/v1/webhook-deliveries/msg_nope/replay", { method: "POST" }),
      404,
      "not_found",
    );

    // SSE: documented status and media type; each event's data is a JobResponse.
    const sse = await fetch(`${base}/api/v1/jobs/${jobId}/events`);
    openapi.checkResponse("GET", `/api/v1/jobs/${jobId}/events`, sse.status, sse.headers.get("content-type"));
    const jobSchema = openapi.compile("#/components/schemas/JobResponse");
    const events = (await sse.text()).split("\n").filter((l) => l.startsWith("data: "));
    expect(events.length).toBeGreaterThan(0);
    for (const line of events) {
      const data = JSON.parse(line.slice(6));
      expect(jobSchema(data), JSON.stringify(jobSchema.errors)).toBe(true);
    }
  });

  it("describes the tus endpoints as they answer", async () => {
    const dir = await fixtureDir(engine.dataDir);
    const bytes = await readFile(
      await makeClip(join(dir, "tus.mp4"), { seconds: 1, width: 160, height: 90 }),
    );
    const tus = { "tus-resumable": "1.0.0" };
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    expect((await engine.api("/api/v1/videos/tus", { method: "OPTIONS" })).status).toBe(204);
    const created = await engine.api("/api/v1/videos/tus", {
      method: "POST",
      headers: {
        ...tus,
        "upload-length": String(bytes.length),
        "upload-metadata": `filename ${b64("tus.mp4")}`,
      },
    });
    expect(created.status).toBe(201);
    const upload = new URL(created.headers.get("location")!, base).pathname;
    const head = await engine.api(upload, { method: "HEAD", headers: tus });
    expect(head.headers.get("upload-offset")).toBe("0");
    const patch = (offset: number, body: Uint8Array, headers: Record<string, string> = tus) =>
      engine.api(upload, {
        method: "PATCH",
        headers: {
          ...headers,
          "upload-offset": String(offset),
          "content-type": "application/offset+octet-stream",
        },
        body,
      });
    expect((await patch(5, bytes.subarray(0, 10))).status).toBe(409); // plain text, documented
    expect((await patch(0, bytes.subarray(0, 10), {})).status).toBe(412);
    expect((await patch(0, bytes.subarray(0, 1000))).status).toBe(204);
    const done = await patch(1000, bytes.subarray(1000)); // the last bytes: the video, validated
    expect(done.status).toBe(200);
    expect(done.body.data.file_size_bytes).toBe(bytes.length);
    const bad = await engine.api("/api/v1/videos/tus", {
      method: "POST",
      headers: { ...tus, "upload-length": "10", "upload-metadata": `webhook_url ${b64("ftp://x")}` },
    });
    expect(bad.status).toBe(400);
    expect((await engine.api(`/api/v1/videos/${done.body.data.video_id}`, { method: "DELETE" })).status).toBe(
      200,
    );
  });

  it("fails a wrong body, status or error code: the check can fail", async () => {
    const { body } = await engine.api(`/api/v1/videos/${videoId}`);
    openapi.validateResponse("GET", `/api/v1/videos/${videoId}`, 200, body);
    const path = `/api/v1/videos/${videoId}`;
    const wrong: [string, unknown][] = [
      ["missing field", { ...body, data: { ...body.data, filename: undefined } }],
      ["wrong type", { ...body, data: { ...body.data, file_size_bytes: "12" } }],
      ["undocumented field", { ...body, data: { ...body.data, secret_path: "/srv/x" } }],
      ["bad id", { ...body, data: { ...body.data, video_id: "VID-1" } }],
      ["bad timestamp", { ...body, data: { ...body.data, uploaded_at: "2024-04-05 10:30:00" } }],
      ["not an envelope", body.data],
    ];
    for (const [what, w] of wrong) {
      const parsed = JSON.parse(JSON.stringify(w));
      expect(openapi.responseErrors("GET", path, 200, parsed).length, what).toBeGreaterThan(0);
      expect(() => openapi.validateResponse("GET", path, 200, parsed), what).toThrow(OpenApiMismatch);
    }
    // An error envelope with a code the operation does not list, or a status it does not document.
    const error = {
      success: false,
      message: "nope",
      data: null,
      error: { code: "job_terminal", details: {} },
    };
    expect(() => openapi.validateResponse("GET", path, 404, error)).toThrow(/must be equal to one of/);
    expect(() => openapi.validateResponse("GET", path, 418, error)).toThrow(/418 is not documented/);
    expect(() => openapi.validateResponse("PUT", path, 200, body)).toThrow(/no such operation/);
    expect(() => openapi.checkResponse("GET", `/api/v1/jobs/job_x/output`, 200, "text/html")).toThrow(
      /content type "text\/html" is not documented/,
    );
    // Last: deleting the (now unused) video validates too.
    expect((await engine.api(path, { method: "DELETE" })).body.data.video_id).toBe(videoId);
    expectError(await engine.api(path), 404, "video_not_found");
  });
});
