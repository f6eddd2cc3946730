import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("resumable uploads (tus)", () => {
  let engine: TestEngine;
  let file = "";
  let bytes: Buffer;

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    file = await makeClip(join(dir, "resume.mp4"), {
      seconds: 6,
      width: 640,
      height: 360,
      source: "testsrc2=size=640x360:rate=25,noise=alls=20:allf=t",
    });
    bytes = await readFile(file);
  });
  afterAll(() => engine?.cleanup());

  const endpoint = () => `http://127.0.0.1:${engine.port}/api/v1/videos/tus`;

  it("an upload interrupted halfway and resumed yields the same file and metadata as a plain upload", async () => {
    expect(bytes.length).toBeGreaterThan(600 * 1024);
    const chunkSize = 128 * 1024;
    const metadata = { filename: "resume.mp4", filetype: "video/mp4" };
    // session 1: stop after about half the chunks
    let url = "";
    await new Promise<void>((resolve, reject) => {
      const up: Upload = new Upload(bytes, {
        endpoint: endpoint(),
        chunkSize,
        metadata,
        retryDelays: null,
        onError: reject,
        onChunkComplete: (_c, accepted, total) => {
          if (accepted >= total / 2) {
            url = up.url!;
            up.abort().then(resolve, reject);
          }
        },
      });
      up.start();
    });
    expect(url).toContain("/api/v1/videos/tus/");
    const head = await fetch(url, { method: "HEAD", headers: { "tus-resumable": "1.0.0" } });
    const offset = Number(head.headers.get("upload-offset"));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(bytes.length);

    // session 2: a new client resumes from the server's offset
    let firstReported = -1;
    const body = await new Promise<string>((resolve, reject) => {
      const up = new Upload(bytes, {
        endpoint: endpoint(),
        uploadUrl: url,
        chunkSize,
        metadata,
        retryDelays: null,
        onError: reject,
        onChunkComplete: (_c, accepted) => {
          if (firstReported < 0) firstReported = accepted;
        },
        onSuccess: (p) => resolve(p.lastResponse.getBody()),
      });
      up.start();
    });
    expect(firstReported).toBeGreaterThan(offset); // continued, did not start over
    const video = JSON.parse(body);
    expect(video.success).toBe(true);
    expect(video.data.file_size_bytes).toBe(bytes.length);
    const stored = await readFile(new URL(video.data.storage_url).pathname);
    expect(sha(stored)).toBe(sha(bytes));

    const plain = await engine.upload(file);
    expect(video.data.metadata).toEqual(plain.body.data.metadata);
    expect(video.data.filename).toBe(plain.body.data.filename);
  });

  it("a finished tus upload goes through the same validation: a non-video is refused with 422", async () => {
    const text = Buffer.from("not a video at all\n".repeat(100));
    const err = await new Promise<Error>((resolve, reject) => {
      const up = new Upload(text, {
        endpoint: endpoint(),
        metadata: { filename: "notes.mp4" },
        retryDelays: null,
        onError: resolve,
        onSuccess: () => reject(new Error("accepted a text file")),
      });
      up.start();
    });
    expect(String(err)).toContain("422");
    expect(String(err)).toContain("invalid_media");
  });

  it("errors about the upload are the JSON envelope, labelled JSON; tus protocol errors stay plain text", async () => {
    const bad = await fetch(endpoint(), {
      method: "POST",
      headers: {
        "tus-resumable": "1.0.0",
        "upload-length": "100",
        "upload-metadata": `filename ${Buffer.from("a.mp4").toString("base64")},webhook_url ${Buffer.from("ftp://x").toString("base64")}`,
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await bad.json();
    expect(body).toMatchObject({ success: false, data: null, error: { code: "validation_error" } });
    expect(body.error.details.field).toBe("webhook_url");
    const protocol = await fetch(endpoint(), { method: "POST", headers: { "upload-length": "100" } });
    expect(protocol.status).toBe(412);
    expect(protocol.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("another tenant cannot see or continue someone's upload", async () => {
    const keyed = await startTestEngine({ API_KEYS: "tok_a:a,tok_b:b" });
    try {
      const ep = `http://127.0.0.1:${keyed.port}/api/v1/videos/tus`;
      const created = await fetch(ep, {
        method: "POST",
        headers: { authorization: "Bearer tok_a", "tus-resumable": "1.0.0", "upload-length": "100" },
      });
      expect(created.status).toBe(201);
      const location = new URL(created.headers.get("location")!, ep).toString();
      const asB = await fetch(location, {
        method: "HEAD",
        headers: { authorization: "Bearer tok_b", "tus-resumable": "1.0.0" },
      });
      expect(asB.status).toBe(404);
      const asA = await fetch(location, {
        method: "HEAD",
        headers: { authorization: "Bearer tok_a", "tus-resumable": "1.0.0" },
      });
      expect(asA.status).toBe(200);
      const anon = await fetch(ep, {
        method: "POST",
        headers: { "tus-resumable": "1.0.0", "upload-length": "100" },
      });
      expect(anon.status).toBe(401);
    } finally {
      await keyed.cleanup();
    }
  });
});
