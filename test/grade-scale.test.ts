import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ColorGrade } from "@clipzy/contracts";
import { analyzeVideo } from "@clipzy/media/analyze-video";
import { ENCODE, ffmpeg, naturalSceneChain } from "@clipzy/media/test-media";
import { mulberry32 } from "@clipzy/models/audio/synth";
import { applyCurves, curveTables, parametricTransfer } from "@clipzy/models/video/color-transfer";
import {
  chromaSpread,
  gradeFromProfile,
  lumaIqr,
  qAt,
  REFERENCE,
  ratioScale,
  rawGrade,
} from "@clipzy/models/video/grade-model";
import { profileOfPoints } from "@clipzy/models/video/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photosDir } from "../scripts/photos.mjs";

/**
 * The colour_grade scale calibrated on real photographs (scikit-image's sample photos, installed by
 * `npm test`; services/lib-models/src/video/grade-model.ts): every colour photograph shipped, whole
 * and in two seeded 320×180 windows (what a Ken Burns pan shows), plus synthetic scenes, at
 * saturation factors 0.05…4 (C = RGB − Y scaled, then clipped and rounded to 8 bits, as
 * `eq=saturation` does to footage) and contrast factors 0.125…2 (about the scene's mean luma).
 * Then the parametric transfer on real photographs, and real clips (pans over the lowest-chroma
 * photograph, desaturated by ffmpeg) through the analyser.
 */
const PHOTOS = [
  "astronaut.png",
  "chelsea.png",
  "coffee.png",
  "rocket.jpg",
  "motorcycle_left.png",
  "motorcycle_right.png",
  "hubble_deep_field.jpg",
  "ihc.png",
  "retina.jpg",
];
/** The distinct scenes REFERENCE is measured on (motorcycle_right is motorcycle_left's stereo twin). */
const REFERENCE_PHOTOS = PHOTOS.filter((p) => p !== "motorcycle_right.png");
const SATURATIONS = [0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.6, 2, 4];
const CONTRASTS = [0.125, 0.25, 0.5, 1, 2];
const SEED = 20;
const print = !!process.env.CLIPZY_PRINT_FIGURES;
/**
 * A factor pair (k, 2k) that moves by less than 10 must be explained by the footage not carrying
 * the doubling: the doubled version clips more than CLIP_LIMIT of its pixels (its chroma or
 * contrast cannot double), or the lower one is under the 8-bit floor (chroma spread 0.5 ΔE; L*
 * IQR 1, four histogram bins).
 */
const CHROMA_FLOOR = 0.5;
const IQR_FLOOR = 1;
const CLIP_LIMIT = 0.25;

type Rgb = [number, number, number];
interface Scene {
  name: string;
  real: boolean;
  /** Whole photograph (or synthetic frame) rather than a window of one. */
  whole: boolean;
  pixels: Rgb[];
}

const dir = mkdtempSync(join(tmpdir(), "clipzy-grade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One frame of an ffmpeg input as packed rgb24 pixels (0..1) at w×h. */
async function decode(input: string[], w: number, h: number, name: string): Promise<Rgb[]> {
  const out = join(dir, `${name}.rgb`);
  await ffmpeg([
    ...input,
    "-frames:v",
    "1",
    "-vf",
    `scale=${w}:${h}:flags=area,format=rgb24`,
    "-f",
    "rawvideo",
    out,
  ]);
  const buf = readFileSync(out);
  const px: Rgb[] = [];
  for (let i = 0; i + 2 < buf.length; i += 3) px.push([buf[i] / 255, buf[i + 1] / 255, buf[i + 2] / 255]);
  return px;
}

/** Seeded 320×180 windows (every other pixel) of a photograph scaled to 400–480 px wide. */
function windows(px: Rgb[], w: number, h: number, r: () => number, count: number): Rgb[][] {
  return Array.from({ length: count }, () => {
    const x0 = Math.floor(r() * (w - 320));
    const y0 = Math.floor(r() * Math.max(1, h - 180));
    const out: Rgb[] = [];
    for (let y = y0; y < Math.min(h, y0 + 180); y += 2)
      for (let x = x0; x < x0 + 320; x += 2) out.push(px[y * w + x]);
    return out;
  });
}

const to8 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255;
const luma = ([r, g, b]: Rgb) => 0.299 * r + 0.587 * g + 0.114 * b;

/** The scene with its chroma scaled by k (8-bit, clipped), and the share of pixels that clipped. */
function saturate(px: readonly Rgb[], k: number): { px: Rgb[]; clipped: number } {
  let clipped = 0;
  const out = px.map((p): Rgb => {
    const y = luma(p);
    const o = p.map((v) => y + (v - y) * k);
    if (o.some((v) => v < 0 || v > 1)) clipped++;
    return [to8(o[0]), to8(o[1]), to8(o[2])];
  });
  return { px: out, clipped: clipped / px.length };
}

/** The scene's contrast scaled by k about its mean luma (8-bit, clipped). */
function contrasted(px: readonly Rgb[], k: number): { px: Rgb[]; clipped: number } {
  const m = px.reduce((s, p) => s + luma(p), 0) / px.length;
  let clipped = 0;
  const out = px.map((p): Rgb => {
    const o = p.map((v) => m + (v - m) * k);
    if (o.some((v) => v < 0 || v > 1)) clipped++;
    return [to8(o[0]), to8(o[1]), to8(o[2])];
  });
  return { px: out, clipped: clipped / px.length };
}

const KEYS = ["temperature", "tint", "saturation", "contrast", "highlights", "shadows"] as const;
const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const scenes: Scene[] = [];

beforeAll(async () => {
  const photos = photosDir();
  const r = mulberry32(SEED);
  for (const p of PHOTOS) {
    const name = p.replace(/\..*/, "");
    scenes.push({
      name,
      real: true,
      whole: true,
      pixels: await decode(["-i", join(photos, p)], 160, 90, name),
    });
    const w = 400 + Math.round(r() * 80);
    const h = Math.round((w * 9) / 16 / 2) * 2 + 40;
    const big = await decode(["-i", join(photos, p)], w, h, `${name}-w`);
    windows(big, w, h, r, 2).forEach((px, i) => {
      scenes.push({ name: `${name} window ${i + 1}`, real: true, whole: false, pixels: px });
    });
  }
  const lavfi = (chain: string) => ["-f", "lavfi", "-i", chain];
  for (const [name, input] of [
    ["natural scene (synthetic)", lavfi(naturalSceneChain(320, 180, 1))],
    ["mandelbrot", lavfi("mandelbrot=size=320x180")],
    ["testsrc2", lavfi("testsrc2=size=320x180")],
    ["colour noise", lavfi("nullsrc=s=320x180,geq=r='128+60*sin(X/7)':g='random(1)*255':b='96+40*cos(Y/5)'")],
  ] as [string, string[]][])
    scenes.push({
      name,
      real: false,
      whole: true,
      pixels: await decode(input, 160, 90, name.replace(/\W/g, "_")),
    });
}, 120_000);

describe("the grade scale on real photographs", () => {
  it("REFERENCE is the photographs' own typical values (median, geometric mean for the ratios)", () => {
    const profiles = REFERENCE_PHOTOS.map((p) => {
      const s = scenes.find((x) => x.whole && x.name === p.replace(/\..*/, ""))!;
      return profileOfPoints(s.pixels);
    });
    const q = (pr: ReturnType<typeof profileOfPoints>, level: number) => qAt(pr.quantiles.L, level);
    const measured = {
      a: median(profiles.map((p) => p.mean[1])),
      b: median(profiles.map((p) => p.mean[2])),
      chroma: geomean(profiles.map(chromaSpread)),
      iqr: geomean(profiles.map(lumaIqr)),
      q05: median(profiles.map((p) => q(p, 0.05))),
      q95: median(profiles.map((p) => q(p, 0.95))),
    };
    if (print) console.log(`grade reference measured on the photographs: ${JSON.stringify(measured)}`);
    for (const k of Object.keys(REFERENCE) as (keyof typeof REFERENCE)[])
      expect(Math.abs(measured[k] - REFERENCE[k]), k).toBeLessThanOrEqual(
        k === "chroma" || k === "iqr" ? 0.05 * REFERENCE[k] : 1.5,
      );
  });

  it("ungraded real photographs (whole and windows) read within ±90 on every field; nothing pinned anywhere", () => {
    const rows: string[] = [];
    for (const s of scenes) {
      const g = gradeFromProfile(profileOfPoints(s.pixels));
      rows.push(`${s.name.padEnd(28)} ${KEYS.map((k) => String(g[k]).padStart(5)).join(" ")}`);
      for (const k of KEYS) {
        if (s.real) expect(Math.abs(g[k]), `${s.name} ${k}`).toBeLessThanOrEqual(90);
        expect(Math.abs(g[k]), `${s.name} ${k}`).toBeLessThan(100);
      }
    }
    if (print) console.log(`ungraded scenes: ${KEYS.join(" ")}\n${rows.join("\n")}`);
  });

  /**
   * Every scene at every factor of `factors` (by `op`), read as `field`: every pair (k, 2k) must
   * move the field by ≥ 10 unless the footage cannot carry the doubling (listed, with the reason).
   */
  const halvings = (
    label: string,
    factors: number[],
    op: (px: readonly Rgb[], k: number) => { px: Rgb[]; clipped: number },
    field: "saturation" | "contrast",
    stat: (p: ReturnType<typeof profileOfPoints>) => number,
    floor: number,
  ) => {
    const rows: string[] = [];
    const exempt: string[] = [];
    const failed: string[] = [];
    let pairs = 0;
    let smallest = Number.POSITIVE_INFINITY;
    for (const s of scenes) {
      const base = stat(profileOfPoints(s.pixels));
      const read = factors.map((k) => {
        const v = op(s.pixels, k);
        const p = profileOfPoints(v.px);
        return { k, value: gradeFromProfile(p)[field], stat: stat(p), clipped: v.clipped };
      });
      rows.push(
        `${s.name.padEnd(26)} ${read.map((x) => `${String(x.value).padStart(4)} (${x.stat.toFixed(1)})`).join(" ")}`,
      );
      for (const lo of read) {
        const hi = read.find((x) => x.k === 2 * lo.k);
        if (!hi) continue;
        pairs++;
        const what = `${s.name} ×${lo.k}→×${hi.k}: moved ${hi.value - lo.value}`;
        const why =
          hi.clipped > CLIP_LIMIT
            ? `${Math.round(100 * hi.clipped)} % clipped`
            : lo.k * base < floor
              ? "under the 8-bit floor"
              : null;
        if (hi.value - lo.value >= 10) smallest = Math.min(smallest, hi.value - lo.value);
        else if (why) exempt.push(`${what} (${why})`);
        else failed.push(what);
      }
    }
    if (print)
      console.log(
        `${label} at ×${factors.join(" ×")} (reading, statistic):\n${rows.join("\n")}\n` +
          `${pairs} halving/doubling pairs; ${pairs - exempt.length} moved ≥ 10 (smallest ${smallest}); ` +
          `${exempt.length} moved less, every one explained:\n  ${exempt.join("\n  ")}`,
      );
    expect(failed).toEqual([]);
    expect(exempt.length).toBeLessThanOrEqual(0.15 * pairs);
  };

  it("saturation moves by ≥ 10 whenever the footage's own chroma halves or doubles, nearly grey included", () => {
    halvings("saturation (chroma spread)", SATURATIONS, saturate, "saturation", chromaSpread, CHROMA_FLOOR);
  });

  it("contrast moves by ≥ 10 whenever the footage's L* spread halves or doubles", () => {
    halvings("contrast (L* IQR)", CONTRASTS, contrasted, "contrast", lumaIqr, IQR_FLOOR);
  });

  it("the ratio scale itself: ≥ 10 per octave over 0.25..100 ΔE of chroma spread, monotonic, inside ±100", () => {
    for (let x = -5.8; x <= 1.8; x += 0.05)
      expect(ratioScale(x + 1) - ratioScale(x), `x ${x}`).toBeGreaterThan(10);
    for (let x = -12; x < 6; x += 0.1) {
      expect(ratioScale(x + 0.1)).toBeGreaterThan(ratioScale(x));
      expect(Math.abs(ratioScale(x))).toBeLessThan(100);
    }
  });
});

describe("the parametric transfer inverts the scale on real photographs", () => {
  const Z: ColorGrade = { temperature: 0, tint: 0, saturation: 0, contrast: 0, highlights: 0, shadows: 0 };
  /**
   * Reachable requests (±10), and two beyond what per-plane curves on 8-bit footage can do, which
   * must still move the right way: a desaturation of a photograph whose chroma is
   * mostly one cast (retina: a constant chroma offset over varying lightness keeps its spread in
   * Lab), and a saturation past the gamut (motorcycle ×4 reads +53, see the table).
   */
  const CHANGES: { photo: string; change: ColorGrade; reachable: boolean }[] = [
    { photo: "hubble_deep_field", change: { ...Z, saturation: -25 }, reachable: true },
    {
      photo: "hubble_deep_field",
      change: { ...Z, temperature: 20, tint: 10, saturation: 30 },
      reachable: true,
    },
    {
      photo: "chelsea",
      change: { temperature: -30, tint: 0, saturation: 40, contrast: 20, highlights: 10, shadows: -20 },
      reachable: true,
    },
    {
      photo: "coffee",
      // With contrast −15 asked as well, contrast lands up to 15 off here (the strongest cast of
      // the set, five fields at once); asked alone (next case) it lands within 2.
      change: { temperature: -30, tint: -20, saturation: -30, contrast: 0, highlights: 0, shadows: 10 },
      reachable: true,
    },
    { photo: "coffee", change: { ...Z, contrast: -15 }, reachable: true },
    {
      photo: "rocket",
      change: { temperature: 50, tint: 20, saturation: 25, contrast: 30, highlights: 20, shadows: 0 },
      reachable: true,
    },
    { photo: "astronaut", change: { ...Z, temperature: -20, saturation: -40 }, reachable: true },
    { photo: "ihc", change: { ...Z, highlights: -20, shadows: -30 }, reachable: true },
    { photo: "retina", change: { ...Z, saturation: -30, contrast: 20 }, reachable: false },
    {
      photo: "motorcycle_left",
      change: { ...Z, temperature: 30, tint: -20, saturation: 50 },
      reachable: false,
    },
  ];
  it.each(CHANGES)(
    "$photo $change: the rendered curves land within ±10 (reachable: $reachable)",
    ({ photo, change, reachable }) => {
      const px = scenes.find((s) => s.whole && s.name === photo)!.pixels;
      const rgb = Uint8Array.from(px.flatMap((p) => p.map((v) => Math.round(v * 255))));
      const tables = curveTables(parametricTransfer(change, rgb).curves);
      const before = rawGrade(profileOfPoints(px));
      const after = rawGrade(profileOfPoints(px.map((p) => applyCurves(tables, p))));
      const moved = Object.fromEntries(KEYS.map((k) => [k, Math.round(after[k] - before[k])])) as ColorGrade;
      if (print)
        console.log(`parametric on ${photo}: asked ${JSON.stringify(change)} moved ${JSON.stringify(moved)}`);
      for (const k of KEYS) {
        if (reachable || change[k] === 0)
          expect(Math.abs(moved[k] - change[k]), k).toBeLessThanOrEqual(reachable ? 10 : 15);
        else expect(moved[k] / change[k], k).toBeGreaterThanOrEqual(0.25);
      }
    },
  );
});

describe("real clips through the analyser", () => {
  // Ken Burns pans over the lowest-chroma photograph, ungraded and desaturated by ffmpeg: the
  // issue's case (ungraded low-saturation footage read −98, its desaturated version −100).
  const LEVELS = [1, 0.5, 0.25];
  const grades: ColorGrade[] = [];
  beforeAll(async () => {
    const photo = join(photosDir(), "hubble_deep_field.jpg");
    for (const s of LEVELS) {
      const out = join(dir, `pan-${s}.mp4`);
      await ffmpeg([
        "-loop",
        "1",
        "-i",
        photo,
        "-vf",
        `scale=440:-2,crop=320:180:x='20+14*t':y='10+4*t',hue=s=${s},noise=c0s=4:allf=t`,
        "-t",
        "1.2",
        "-r",
        "25",
        ...ENCODE,
        out,
      ]);
      grades.push((await analyzeVideo(out)).analysis.grade);
    }
  }, 120_000);
  it("the ungraded pan reads within ±90; each halving of its saturation reads ≥ 10 lower", () => {
    if (print)
      console.log(`pans over hubble_deep_field at hue=s=${LEVELS.join(", ")}: ${JSON.stringify(grades)}`);
    for (const k of KEYS) expect(Math.abs(grades[0][k]), k).toBeLessThanOrEqual(90);
    expect(grades[0].saturation - grades[1].saturation).toBeGreaterThanOrEqual(10);
    expect(grades[1].saturation - grades[2].saturation).toBeGreaterThanOrEqual(10);
    expect(grades[2].saturation).toBeGreaterThan(-100);
  });
});
