import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photosDir } from "../scripts/photos.mjs";
import { corpusPairs, makeCorpusClip } from "./support/corpus-media.js";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";
import { probe } from "./support/media.js";

/**
 * The closed loop on one job of the corpus (pair 34 of seed 20: its first proxy is outside on
 * highlights, the re-solve brings it within, and the final output is within on every field), its preview, and a source whose proxy cannot be
 * rendered: the job fails with a sentence and no preview is left.
 */
const EXAMPLE = 34;
const PROXY_FAILED =
  "The source could not be rendered as a proxy of the planned edit (ffmpeg could not process the media), " +
  "so the result could not be checked before the final encode; the file may be damaged beyond the part that was analysed.";

describe("closed loop: a job corrected on proxies, and a source whose proxy fails", () => {
  let engine: TestEngine;
  let sourceId = "";
  let templateId = "";
  const storage = () => join(engine.dataDir, "storage");

  const job = async () => {
    const res = await engine.api(
      "/api/v1/jobs",
      json({ video_id: sourceId, template_video_id: templateId, config: { quality: "low" } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return engine.waitFor(res.body.data.job_id, undefined, 120_000);
  };

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = join(engine.dataDir, "clips");
    await mkdir(dir, { recursive: true });
    const pair = corpusPairs(20, 40)[EXAMPLE];
    const photos = photosDir();
    sourceId = (await engine.upload(await makeCorpusClip(dir, photos, pair.source))).body.data.video_id;
    templateId = (await engine.upload(await makeCorpusClip(dir, photos, pair.template))).body.data.video_id;
  }, 120_000);
  afterAll(() => engine?.cleanup());

  it("what the first round finds outside is corrected, the final output is within, and the preview is the chosen proxy", async () => {
    const done = await job();
    expect(done.status, JSON.stringify(done)).toBe("completed");
    const { fidelity } = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
    if (process.env.CLIPZY_PRINT_FIGURES) console.log(`closed-loop example: ${JSON.stringify(fidelity)}`);
    const [first] = fidelity.rounds;
    expect(first.round).toBe(1);
    expect(first.changed).toEqual([]);
    // the first proxy lands a few units either side of highlights' tolerance from run to run (in
    // the corpus run of docs/rendering.md it read −62 for −47): when it is outside, a second round
    // corrected it
    if (first.fields.some((f: { verdict: string }) => f.verdict === "outside")) {
      expect(fidelity.rounds.length).toBeGreaterThanOrEqual(2);
      expect(fidelity.rounds[1].changed.length).toBeGreaterThan(0);
    } else expect(fidelity.rounds).toHaveLength(1);
    expect(fidelity.summary.outside).toBe(0);
    const preview = join(storage(), "artifacts", done.job_id, "preview.mp4");
    const info = await probe(preview);
    expect(info.height).toBeLessThanOrEqual(144);
    expect(info.duration).toBeGreaterThan(2.5);
  });

  it("a source whose proxy fails to render fails the job with a sentence, and leaves no preview", async () => {
    // the stored source damaged after its analysis: the next job reuses the analyses (same bytes
    // by content hash) and first decodes the file again for its proxy
    const videoDir = join(storage(), "videos", sourceId);
    for (const f of await readdir(videoDir)) await writeFile(join(videoDir, f), "not a video any more\n");
    const done = await job();
    expect(done.status).toBe("failed");
    expect(done.error).toEqual({ stage: "style_application", message: PROXY_FAILED });
    expect(existsSync(join(storage(), "artifacts", done.job_id, "preview.mp4"))).toBe(false);
  });
});
