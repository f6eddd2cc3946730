import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photosDir } from "../scripts/photos.mjs";
import { type CorpusPair, corpusPairs, makeCorpusClip } from "./support/corpus-media.js";
import { json, startTestEngine, type TestEngine } from "./support/engine.js";

/**
 * The closed loop's round-trip corpus: CORPUS_PAIRS template/source pairs from a fixed seed
 * (test/support/corpus-media.ts: grades over the whole range with mixed signs, patterns,
 * fractals, noise and real-photo pans, percussive / sustained / spoken / real / no music, cuts on
 * and off the beat or none, transitions and zoom shares), each run as a job through the embedded
 * engine. Across the corpus the fidelity reports must show the loop's goals (issue 20).
 * CLIPZY_PRINT_FIGURES=1 prints the table.
 */
/**
 * The goals of issue 20. Met and asserted unconditionally: every job runs 1–3 rounds; a reason on
 * every unreachable verdict; every applied loudness field within ±1 LU, or unreachable for needing
 * more limiting than the engine allows. Not met yet (seed 20, measured 2026-12-07, see
 * docs/rendering.md): 71.6 % of applied fields within, colour share median 0.800 / min 0.377, and
 * shadows moving the wrong way on 1 pair. Those three checks
 * run with CLIPZY_CORPUS_GOALS=1 (they fail today); the issue stays open rather than the checks
 * loosened.
 */
const GOALS_ENFORCED = Boolean(process.env.CLIPZY_CORPUS_GOALS);
const SEED = 20;
const PAIRS = Number(process.env.CORPUS_PAIRS ?? 40);
/** CORPUS_ONLY=1,39: only those pairs (while iterating on a fix; the figures are the whole corpus's). */
const ONLY = process.env.CORPUS_ONLY ? new Set(process.env.CORPUS_ONLY.split(",").map(Number)) : null;
const GRADE = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"];

interface Row {
  pair: CorpusPair;
  fidelity: any;
  seconds: number;
  /** The source's own six numbers, measured as the analyser measures them. */
  source: Record<string, number>;
}

describe("closed loop: the randomised round-trip corpus", () => {
  let engine: TestEngine;
  const rows: Row[] = [];

  beforeAll(async () => {
    engine = await startTestEngine();
    const dir = join(engine.dataDir, "corpus");
    await mkdir(dir, { recursive: true });
    const photos = photosDir();
    const pairs = corpusPairs(SEED, PAIRS).filter((p) => !ONLY || ONLY.has(p.id));
    const ids = new Map<string, string>();
    const grades = new Map<string, Record<string, number>>();
    const clip = async (s: CorpusPair["template"]) => {
      if (!ids.has(s.name)) {
        const file = await makeCorpusClip(dir, photos, s);
        grades.set(s.name, (await analyzeVideo(file)).analysis.grade as unknown as Record<string, number>);
        const res = await engine.upload(file);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        ids.set(s.name, res.body.data.video_id);
      }
      return ids.get(s.name)!;
    };
    // two jobs at a time: the stages of one overlap the ffmpeg runs of the other on two cores
    const queue = [...pairs];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const started = performance.now();
        const body = {
          video_id: await clip(p.source),
          template_video_id: await clip(p.template),
          config: { quality: "low" },
        };
        const res = await engine.api("/api/v1/jobs", json(body));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const done = await engine.waitFor(res.body.data.job_id, undefined, 300_000);
        expect(done.status, JSON.stringify(done)).toBe("completed");
        const result = (await engine.api(`/api/v1/jobs/${done.job_id}/result`)).body.data;
        const row = {
          pair: p,
          fidelity: result.fidelity,
          seconds: (performance.now() - started) / 1000,
          source: grades.get(p.source.name)!,
        };
        rows.push(row);
        if (process.env.CORPUS_DUMP)
          await appendFile(process.env.CORPUS_DUMP, `${JSON.stringify({ ...row, job: done.job_id })}\n`);
      }
    };
    await Promise.all([worker(), worker()]);
    rows.sort((a, b) => a.pair.id - b.pair.id);
    if (process.env.CLIPZY_PRINT_FIGURES) printTable(rows);
  }, 1_200_000);
  afterAll(() => engine?.cleanup());

  const applied = () => rows.flatMap((r) => r.fidelity.fields.filter((f: any) => f.applied));

  it("every job ran the loop and reports its rounds", () => {
    expect(rows).toHaveLength(ONLY ? ONLY.size : PAIRS);
    for (const r of rows) {
      expect(r.fidelity.rounds.length).toBeGreaterThanOrEqual(1);
      expect(r.fidelity.rounds.length).toBeLessThanOrEqual(3);
    }
  });

  it.skipIf(!GOALS_ENFORCED)("applied fields are within, or unreachable with a reason", () => {
    const fields = applied();
    const within = fields.filter((f: any) => f.verdict === "within").length;
    const share = within / fields.length;
    console.log(`corpus: ${within}/${fields.length} applied fields within (${(100 * share).toFixed(1)} %)`);
    for (const f of fields) if (f.verdict === "unreachable") expect(f.reason).toMatch(/\w{4,} \w+/);
    expect(share).toBeGreaterThanOrEqual(GOALS.withinShare);
  });

  it("every unreachable verdict carries its reason", () => {
    const unreachable = applied().filter((f: any) => f.verdict === "unreachable");
    for (const f of unreachable) expect(f.reason, f.field).toMatch(/\w{4,} \w+/);
  });

  it.skipIf(!GOALS_ENFORCED)("the colour comes most of the way", () => {
    const shares = rows.map((r) => r.fidelity.colour.share_of_the_way).filter((x) => x !== null);
    shares.sort((a, b) => a - b);
    const median = shares[shares.length >> 1];
    console.log(`corpus colour share: median ${median}, min ${shares[0]}`);
    expect(median).toBeGreaterThanOrEqual(GOALS.colourMedian);
    expect(shares[0]).toBeGreaterThanOrEqual(GOALS.colourMin);
  });

  it("loudness lands within ±1 LU wherever it is reachable", () => {
    // every applied loudness field, whatever its verdict: within ±1 LU, or unreachable for the
    // one reason the engine knows (more limiting than it allows); an `outside` one fails here
    const loud = applied().filter((f: any) => f.field === "loudness_lufs");
    const reachable = loud.filter((f: any) => f.verdict !== "unreachable");
    expect(reachable.length).toBeGreaterThanOrEqual(Math.ceil(0.75 * loud.length));
    const off = reachable.filter((f: any) => f.verdict !== "within" || Math.abs(f.difference) > 1);
    expect(off.map((f: any) => `${f.verdict} ${f.difference}`)).toEqual([]);
    for (const f of loud.filter((x: any) => x.verdict === "unreachable")) {
      expect(f.reason).toMatch(/more limiting than the engine allows/);
      expect(f.achieved).toBeLessThan(f.requested);
    }
  });

  it.skipIf(!GOALS_ENFORCED)("contrast and shadows never move the wrong way", () => {
    // from the source's own number towards the requested one, wherever they differ by more than
    // the tolerance (a field within is judged by its tolerance, not its direction)
    const wrong: string[] = [];
    for (const r of rows)
      for (const name of ["contrast", "shadows"]) {
        const f = r.fidelity.fields.find((x: any) => x.field === `color_grade.${name}`);
        const own = r.source[name];
        if (!f?.applied || f.verdict === "within" || Math.abs(f.requested - own) <= 10) continue;
        if (Math.sign(f.achieved - own) !== Math.sign(f.requested - own))
          wrong.push(
            `pair ${r.pair.id} ${name}: source ${own}, requested ${f.requested}, achieved ${f.achieved}`,
          );
      }
    expect(wrong).toEqual([]);
  });
});

const GOALS = { withinShare: 0.95, colourMedian: 0.85, colourMin: 0.7 };

function printTable(rows: Row[]) {
  const short = (f: any) =>
    f.verdict === "within"
      ? ""
      : `${f.field.replace("color_grade.", "")}:${f.requested}→${f.achieved}${f.verdict === "unreachable" ? "(u)" : ""}`;
  console.log("pair | template | source | rounds | colour share (r1→final) | outside/unreachable | s");
  for (const r of rows) {
    const f = r.fidelity;
    const r1 = f.rounds[0]?.colour_share;
    const bad = f.fields.filter((x: any) => x.applied && x.verdict !== "within").map(short);
    console.log(
      [
        r.pair.id,
        `${r.pair.template.name} ${r.pair.template.content.join("+")} ${r.pair.template.music} ${r.pair.template.cuts}/${r.pair.template.transition} zoom${r.pair.template.zoomShare}`,
        `${r.pair.source.name} ${r.pair.source.content.join("+")} ${r.pair.source.music}`,
        f.rounds.length,
        `${r1} → ${f.colour.share_of_the_way}`,
        bad.join(" ") || "-",
        r.seconds.toFixed(1),
      ].join(" | "),
    );
  }
  const grade = rows.flatMap((r) =>
    r.fidelity.fields
      .filter((x: any) => GRADE.some((g) => x.field === `color_grade.${g}`))
      .map((x: any) => x.requested),
  );
  console.log(`requested grade range: ${Math.min(...grade)} … ${Math.max(...grade)}`);
}
