import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { fixtureDir, makeClip } from "./support/media.js";

/** The audio fingerprint through the API: the template's style says whether the source shares its music. */
describe("audio fingerprint in the Style DNA", () => {
  let engine: TestEngine;
  const ids: Record<string, string> = {};
  let matched: any = null;

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = await fixtureDir(engine.dataDir);
    const clip = (name: string, o: Parameters<typeof makeClip>[1]) =>
      makeClip(join(dir, name), { seconds: 8, width: 160, height: 90, ...o });
    const files = {
      source: await clip("source.mp4", {}),
      // other pictures, the same music (makeClip's generated track)
      same: await clip("same-music.mp4", { source: "mandelbrot=size=160x90:rate=25" }),
      silent: await clip("silent.mp4", { audio: false }),
    };
    for (const [k, f] of Object.entries(files)) ids[k] = (await engine.upload(f)).body.data.video_id;
  });
  afterAll(() => engine?.cleanup());

  const styleOf = async (template: string) => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: ids.source, template_video_id: ids[template], config: { mode: "style_only" } }),
    );
    expect(res.status).toBe(200);
    const done = await engine.waitFor(res.body.data.job_id);
    expect(done.status).toBe("completed");
    return (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data.style_json;
  };

  it("recognises the source's music in a template that carries it", async () => {
    const style = await styleOf("same");
    matched = style;
    expect(style.audio_fingerprint).toMatchObject({ algorithm: "chromaprint-1" });
    expect(style.audio_fingerprint.items).toBeGreaterThan(20);
    expect(style.audio_fingerprint.source_match.same_music).toBe(true);
    expect(style.audio_fingerprint.source_match.similarity).toBeGreaterThanOrEqual(0.9);
  });

  it("has no fingerprint for a template without audio, and the job still completes", async () => {
    expect((await styleOf("silent")).audio_fingerprint).toBeNull();
  });

  it("refuses a style_json whose fingerprint is not base64", async () => {
    const style = matched;
    const res = await engine.api(
      "/api/v1/jobs",
      json({
        video_id: ids.source,
        config: { style_json: { ...style, audio_fingerprint: { ...style.audio_fingerprint, data: "é!" } } },
      }),
    );
    expect(res.status).toBe(400);
  });
});
