/**
 * Dominant colours by k-means (deterministic k-means++ seeding) on a pixel sample, packed rgb24.
 */
export interface PaletteColor {
  hex: string;
  rgb: [number, number, number];
  /** Share of the sample, 0..1. */
  share: number;
}

export function dominantColors(samples: Uint8Array, count: number, k = 5, iterations = 12): PaletteColor[] {
  if (count === 0) return [];
  k = Math.min(k, count);
  const px = (i: number, c: number) => samples[i * 3 + c];
  const centres: number[][] = [];
  // Seed: the sample nearest the mean, then farthest-point (deterministic k-means++).
  const mean = [0, 0, 0];
  for (let i = 0; i < count; i++) for (let c = 0; c < 3; c++) mean[c] += px(i, c) / count;
  const dist2 = (i: number, ctr: number[]) =>
    (px(i, 0) - ctr[0]) ** 2 + (px(i, 1) - ctr[1]) ** 2 + (px(i, 2) - ctr[2]) ** 2;
  let first = 0;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const d = dist2(i, mean);
    if (d < bestD) {
      bestD = d;
      first = i;
    }
  }
  centres.push([px(first, 0), px(first, 1), px(first, 2)]);
  const nearest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  while (centres.length < k) {
    let far = 0;
    let farD = -1;
    for (let i = 0; i < count; i++) {
      const d = dist2(i, centres[centres.length - 1]);
      if (d < nearest[i]) nearest[i] = d;
      if (nearest[i] > farD) {
        farD = nearest[i];
        far = i;
      }
    }
    if (farD <= 0) break;
    centres.push([px(far, 0), px(far, 1), px(far, 2)]);
  }
  const assign = new Int32Array(count);
  for (let it = 0; it < iterations; it++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < count; i++) {
      let b = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < centres.length; c++) {
        const d = dist2(i, centres[c]);
        if (d < bd) {
          bd = d;
          b = c;
        }
      }
      assign[i] = b;
      const s = sums[b];
      s[0] += px(i, 0);
      s[1] += px(i, 1);
      s[2] += px(i, 2);
      s[3]++;
    }
    for (let c = 0; c < centres.length; c++)
      if (sums[c][3]) centres[c] = [0, 1, 2].map((j) => sums[c][j] / sums[c][3]);
  }
  const counts = centres.map(() => 0);
  for (let i = 0; i < count; i++) counts[assign[i]]++;
  return centres
    .map((ctr, c) => {
      const rgb = ctr.map((v) => Math.round(v)) as [number, number, number];
      return {
        rgb,
        hex: "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join(""),
        share: counts[c] / count,
      };
    })
    .filter((p) => p.share > 0)
    .sort((a, b) => b.share - a.share);
}
