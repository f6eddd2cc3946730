import type { ColorGrade } from "@clipzy/contracts";
import { fidelityReport } from "@clipzy/models/fidelity";
import { composeStyle } from "@clipzy/models/style/compose";
import { visualStyleFields } from "@clipzy/models/style/visual-style";
import { colorFilter, distributionTransfer } from "@clipzy/models/video/color-transfer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeVideo, type VideoAnalysis } from "./analyze-video.js";
import { ffmpeg, makeClip, naturalSceneChain, tempDir } from "./test-media.js";

/**
 * The colour round trip on footage with photographic statistics (naturalSceneChain: sky, ground,
 * a skin tone, noise, blur — synthetic, not real uploads): a template is the footage graded with
 * a known ffmpeg filter, weaker and stronger; the source is rendered with the job's transfer
 * (the same filter string the renderer runs) and its grade re-extracted.
 */
const { dir, cleanup } = tempDir("clipzy-colour-");
const file = (n: string) => `${dir}/${n}`;
const FRAMES = 30;
const empty = { audio_style: null, detected_beats: [], tempo_bpm: null, music_genre: null, confidence: 0 };

type Field = keyof ColorGrade;
/** Each look: the field it moves, its direction, and a weaker and a stronger filter. */
const LOOKS: { name: string; field: Field; sign: 1 | -1; filters: [string, string] }[] = [
  {
    name: "warm",
    field: "temperature",
    sign: 1,
    filters: ["colortemperature=temperature=5200", "colortemperature=temperature=4200"],
  },
  {
    name: "cool",
    field: "temperature",
    sign: -1,
    filters: ["colortemperature=temperature=8000", "colortemperature=temperature=10000"],
  },
  {
    name: "desaturated",
    field: "saturation",
    sign: -1,
    filters: ["eq=saturation=0.75", "eq=saturation=0.45"],
  },
  { name: "high contrast", field: "contrast", sign: 1, filters: ["eq=contrast=1.2", "eq=contrast=1.45"] },
  {
    name: "lifted shadows",
    field: "shadows",
    sign: 1,
    filters: ["curves=all='0/0.06 0.5/0.53 1/1'", "curves=all='0/0.14 0.5/0.57 1/1'"],
  },
  {
    name: "crushed highlights",
    field: "highlights",
    sign: -1,
    filters: ["curves=all='0/0 0.6/0.6 1/0.9'", "curves=all='0/0 0.6/0.6 1/0.78'"],
  },
];

const encode = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18"];
let source: VideoAnalysis;

beforeAll(async () => {
  await makeClip(file("source.mp4"), naturalSceneChain(256, 144, 1), FRAMES);
  source = (await analyzeVideo(file("source.mp4"))).analysis;
}, 120_000);
afterAll(cleanup);

describe("synthetic natural footage reads as footage", () => {
  // The reference is real photographs (test/grade-scale.test.ts): this synthetic scene is bluer
  // (mean b* −5 against the photographs' +11.6) and brighter in its shadows than they are, so it
  // reads cool with lifted shadows, but nothing near the ends of the scale.
  it("ungraded synthetic footage: every number within ±75, none pinned", async () => {
    console.log(`grade ungraded: ${JSON.stringify(source.grade)}`);
    for (const v of Object.values(source.grade)) expect(Math.abs(v)).toBeLessThanOrEqual(75);
  });
});

describe.each(LOOKS)("colour round trip: $name", (look) => {
  const results: { template: ColorGrade; output: ColorGrade }[] = [];

  it.each([0, 1])("strength %i: within ±10 on every field, ≥ 70% of the way, nothing pinned", async (s) => {
    const tag = `${look.name.replace(/\W/g, "_")}-${s}`;
    await ffmpeg([
      "-i",
      file("source.mp4"),
      "-vf",
      `${look.filters[s]},format=yuv420p`,
      ...encode,
      file(`t-${tag}.mp4`),
    ]);
    const template = (await analyzeVideo(file(`t-${tag}.mp4`))).analysis;
    const transfer = distributionTransfer(
      source.colour_profile,
      Buffer.from(source.colour_sample, "base64"),
      template.colour_profile,
    );
    await ffmpeg([
      "-i",
      file("source.mp4"),
      "-vf",
      `${colorFilter(transfer.curves)},format=yuv420p`,
      ...encode,
      file(`o-${tag}.mp4`),
    ]);
    const output = (await analyzeVideo(file(`o-${tag}.mp4`))).analysis;
    const style = (v: VideoAnalysis) => composeStyle(visualStyleFields(v, null), empty, new Date(0));
    const report = fidelityReport({
      requested: style(template),
      achieved: style(output),
      applied: ["color_grade (distribution)"],
      colour: transfer,
      profiles: {
        source: source.colour_profile,
        output: output.colour_profile,
        template: template.colour_profile,
      },
      outputLufs: null,
      measuredOn: output.analysis,
    });
    console.log(
      `round trip ${look.name} ${s}: template ${JSON.stringify(template.grade)} output ${JSON.stringify(output.grade)} ` +
        `W1 source ${report.colour.source_to_template} output ${report.colour.output_to_template} ` +
        `(${JSON.stringify(transfer.candidate)})`,
    );
    for (const k of Object.keys(template.grade) as Field[]) {
      expect(Math.abs(output.grade[k] - template.grade[k]), k).toBeLessThanOrEqual(10);
      expect(Math.abs(template.grade[k]), k).toBeLessThan(100);
      expect(Math.abs(output.grade[k]), k).toBeLessThan(100);
    }
    expect(report.colour.output_to_template!).toBeLessThanOrEqual(0.3 * report.colour.source_to_template!);
    expect(report.colour.verdict).toBe("within");
    expect(report.fields.filter((f) => f.verdict === "within")).toHaveLength(6);
    results[s] = { template: template.grade, output: output.grade };
  });

  it("is monotonic in strength: the stronger grade reads further from neutral, template and output", () => {
    expect(results).toHaveLength(2);
    const v = (g: ColorGrade) => look.sign * g[look.field];
    expect(v(results[0].template)).toBeGreaterThan(v(source.grade));
    expect(v(results[1].template)).toBeGreaterThan(v(results[0].template));
    expect(v(results[1].output)).toBeGreaterThan(v(results[0].output));
  });
});
