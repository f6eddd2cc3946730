import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { ffmpeg, naturalSceneChain } from "@clipzy/media/test-media";
import { w1Lab } from "@clipzy/models/video/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir } from "./support/media.js";
import { expectError } from "./support/shapes.js";
import { waitFor } from "./support/wait.js";

/**
 * Colour transfer end to end on footage with photographic statistics: a template job transfers
 * by distribution and reports its fidelity; the result's style_json reused rebuilds the same
 * transfer; without color_profile the parametric model is used and the result says so; the
 * job's grade.cube parses and, applied with lut3d, reproduces the render's colour.
 */
const A = { authorization: "Bearer tok_a" };
const B = { authorization: "Bearer tok_b" };

describe("colour transfer and fidelity (end to end)", () => {
  let engine: TestEngine;
  let dir = "";
  let source = "";
  let sourceId = "";
  let templateId = "";

  const upload = async (file: string) => {
    const form = new FormData();
    form.set("file", await openAsBlob(file), "clip.mp4");
    const res = await engine.api("/api/v1/videos/upload", { method: "POST", body: form, headers: A });
    expect(res.status).toBe(200);
    return res.body.data.video_id as string;
  };
  const done = async (jobId: string) => {
    await waitFor(
      `job ${jobId} to finish`,
      async () => {
        const { body } = await engine.api(`/api/v1/jobs/${jobId}`, { headers: A });
        return ["completed", "failed", "cancelled"].includes(body.data.status);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    const res = await engine.api(`/api/v1/jobs/${jobId}/result`, { headers: A });
    expect(res.body.data?.status ?? res.body).toBe("completed");
    return res.body.data;
  };
  const create = async (body: unknown) => {
    const res = await engine.api("/api/v1/jobs", json(body, A));
    expect(res.status).toBe(200);
    return res.body.data.job_id as string;
  };
  const cube = async (jobId: string, headers = A) => {
    const res = await fetch(`http://127.0.0.1:${engine.port}/api/v1/jobs/${jobId}/grade.cube`, { headers });
    return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
  };
  const clip = async (name: string, chain: string) => {
    const path = join(dir, name);
    await ffmpeg([
      "-filter_complex",
      `${chain},format=yuv420p[v]`,
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=330:sample_rate=44100",
      "-map",
      "[v]",
      "-map",
      "0:a",
      "-t",
      "2",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "18",
      "-c:a",
      "aac",
      path,
    ]);
    return path;
  };

  beforeAll(async () => {
    engine = await startTestEngine({ API_KEYS: "tok_a:tenant_a,tok_b:tenant_b" });
    dir = await fixtureDir(engine.dataDir);
    source = await clip("source.mp4", naturalSceneChain(320, 180, 1));
    // The template: other footage of the same kind, graded warm and a little flatter.
    const template = await clip(
      "template.mp4",
      `${naturalSceneChain(320, 180, 2)},colortemperature=temperature=4200,eq=contrast=0.85`,
    );
    sourceId = await upload(source);
    templateId = await upload(template);
  }, 300_000);
  afterAll(() => engine?.cleanup());

  let templated: any;
  let templatedCube = "";

  it("a template job transfers by distribution and its fidelity report says how close it came", async () => {
    const jobId = await create({
      video_id: sourceId,
      template_video_id: templateId,
      config: { quality: "low" },
    });
    // Before completion the LUT does not exist yet: 409.
    expect((await cube(jobId)).status).toBe(409);
    templated = await done(jobId);
    const f = templated.fidelity;
    console.log(`fidelity (template job): ${JSON.stringify(f)}`);
    expect(templated.style_json.color_profile.space).toBe("cielab-d65");
    expect(f.colour.method).toBe("distribution");
    expect(f.colour.share_of_the_way).toBeGreaterThanOrEqual(0.7);
    expect(f.colour.output_to_template).toBeLessThanOrEqual(0.3 * f.colour.source_to_template);
    expect(f.colour.verdict).toBe("within");
    const grade = f.fields.filter((x: any) => x.field.startsWith("color_grade."));
    expect(grade).toHaveLength(6);
    for (const g of grade) {
      expect(g.applied).toBe(true);
      expect(g.verdict, g.field).toBe("within");
    }
    const lufs = f.fields.find((x: any) => x.field === "loudness_lufs");
    expect(lufs.tolerance).toBe("±1 LU");
    expect(typeof lufs.achieved).toBe("number");
    expect(f.measured_on.frames).toBeGreaterThan(0);
    expect(f.summary.within).toBeGreaterThanOrEqual(7);
  });

  it("serves grade.cube: tenant-scoped, parses, right size, and lut3d with it reproduces the render", async () => {
    const jobId = templated.job_id;
    expectError(
      { status: (await cube(jobId, B)).status, body: JSON.parse((await cube(jobId, B)).text) },
      404,
      "job_not_found",
    );
    const res = await cube(jobId);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    templatedCube = res.text;
    const lines = res.text.trim().split("\n");
    expect(lines).toContain("LUT_3D_SIZE 33");
    const rows = lines.filter((l) => /^[\d.]+ [\d.]+ [\d.]+$/.test(l));
    expect(rows).toHaveLength(33 ** 3);
    for (const r of rows) for (const v of r.split(" ").map(Number)) expect(v >= 0 && v <= 1).toBe(true);

    // The source through the LUT, next to the render: the same colour distribution.
    const lutFile = join(dir, "grade.cube");
    await writeFile(lutFile, res.text);
    const viaLut = join(dir, "via-lut.mp4");
    await ffmpeg([
      "-i",
      source,
      "-vf",
      `lut3d=file=${lutFile},format=yuv420p`,
      "-c:v",
      "libx264",
      "-crf",
      "18",
      viaLut,
    ]);
    const out = await fetch(`http://127.0.0.1:${engine.port}/api/v1/jobs/${jobId}/output`, { headers: A });
    const rendered = join(dir, "rendered.mp4");
    await writeFile(rendered, Buffer.from(await out.arrayBuffer()));
    const [lut, ren, src] = await Promise.all([viaLut, rendered, source].map((p) => analyzeVideo(p)));
    const lutToRender = w1Lab(lut.analysis.colour_profile.quantiles, ren.analysis.colour_profile.quantiles);
    const srcToRender = w1Lab(src.analysis.colour_profile.quantiles, ren.analysis.colour_profile.quantiles);
    console.log(
      `grade.cube: W1 lut3d→render ${lutToRender.toFixed(2)}, source→render ${srcToRender.toFixed(2)}`,
    );
    // What remains is 4:2:0 chroma (the render curves subsampled chroma, lut3d full RGB) and the
    // two encodes (the render's CRF 28 against this one's CRF 18).
    expect(lutToRender).toBeLessThanOrEqual(1.5);
    expect(lutToRender).toBeLessThanOrEqual(0.1 * srcToRender);
  });

  it("a reused style_json with color_profile rebuilds the same transfer", async () => {
    const jobId = await create({
      video_id: sourceId,
      config: { quality: "low", style_json: templated.style_json },
    });
    const r = await done(jobId);
    expect(r.fidelity.colour.method).toBe("distribution");
    const values = (t: string) =>
      t.split("\n").slice(1).join(" ").split(/\s+/).map(Number).filter(Number.isFinite);
    const a = values((await cube(jobId)).text);
    const b = values(templatedCube);
    expect(a.length).toBe(b.length);
    const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    console.log(`reused style_json: largest LUT difference from the template job's ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  });

  it("a style_json without color_profile falls back to the parametric model and says so", async () => {
    const { color_profile: _, ...style } = templated.style_json;
    const jobId = await create({ video_id: sourceId, config: { quality: "low", style_json: style } });
    const r = await done(jobId);
    console.log(`fidelity (parametric): ${JSON.stringify(r.fidelity.fields.slice(0, 6))}`);
    expect(r.fidelity.colour.method).toBe("parametric");
    expect(r.fidelity.colour.verdict).toBe("unmeasured");
    // The parametric model is approximate (its tone curve cannot follow every distribution): it
    // lands within ±10 on five of the six numbers here, and within ±20 on shadows.
    for (const g of r.fidelity.fields.filter((x: any) => x.field.startsWith("color_grade.")))
      expect(Math.abs(g.difference), g.field).toBeLessThanOrEqual(
        g.field === "color_grade.shadows" ? 20 : 10,
      );
  });
});
