import type { MotionParams } from "./global-motion.js";

/**
 * Typing a gradual transition by what it does to pixels (pure).
 *
 * Over the frames of a candidate and MARGIN frames either side (video/transition-frames.ts keeps
 * them, 64×36 luma, blurred 3×3 here so residuals measure content, not interpolation and noise),
 * the first frame A and the last frame B are carried along by each shot's own camera motion (the
 * median global motion of the pairs just before / after, so a Ken Burns pan on either side is
 * followed), giving A'(k) and B'(k) for every frame k between. Four models are fitted to each F(k):
 *  - blend: F ≈ α·A' + β·B' + c, one α, β, c per frame (a dissolve has α + β = 1, a fade through
 *    black α, β falling to 0, through white c rising); progress p = (1 − α)/2 + β/2;
 *  - switch: each pixel is A' or B' (a hard-edged wipe of any shape);
 *  - blocks: F ≈ w·A' + (1 − w)·B' with one w per 4×4 block (a soft-edged wipe); progress = 1 − the
 *    mean w over blocks that tell A' and B' apart; the spread of w says whether the frame is
 *    split (a wipe) or one mix (a blend);
 *  - slide: A' pushed out and B' pushed in along one of four directions by d pixels (every d
 *    tried); progress = d / frame size.
 * Each residual (Σ|F − model|) is divided by what the nearer end alone leaves (min Σ|F − A'|,
 * Σ|F − B'|), over the frames where that is at least a quarter of its maximum (near the ends every
 * model fits). A blend: its ratio ≤ BLEND_MAX and near the blocks' (one mix explains the frame);
 * a slide: ratio ≤ BLEND_MAX, under the wipe models'; a wipe: switch or blocks ≤ OTHER_RATIO with
 * the blocks spread; anything else is "other" (a zoom, a blur). When an end has drifted from
 * its own content by the detected span (content that changes by itself), no typing is given. The
 * span is where the progress leaves 0 (within 1 %, 2 % for a blend, or twice its noise on the
 * margin frames) and reaches 1, moved at most MAX_SHIFT frames from the detected one.
 */
export type TransitionFamily = "blend" | "wipe" | "slide" | "other";

export interface TypingInput {
  /** Size of the stored frames. */
  w: number;
  h: number;
  count: number;
  frame: (k: number) => Uint8Array | null;
  /** Camera motion of pair j (frame j → j+1) in stored-frame pixels, or null where not measured. */
  motion: (j: number) => MotionParams | null;
}

export interface TypedTransition {
  family: TransitionFamily;
  /** Last frame before the change. */
  startFrame: number;
  /** Changed pairs. */
  frames: number;
  /** Residual ratios of the three models over the inner frames. */
  ratios: { blend: number; switch: number; slide: number; proj: number; spread: number };
  /** Progress per frame from startFrame to startFrame + frames (the winning model's). */
  progress: number[];
  /** Mean |A' − B'| per pixel (0..255): how far apart the two shots are. */
  contrast: number;
  /**
   * How far each end's frames have drifted from the end frame by DRIFT_LEAD frames outside the
   * detected span, as a share of the mean |A' − B'| (content changing by itself, or a transition
   * still under way there); typing is given only where both are at most MAX_DRIFT.
   */
  drift: { a: number; b: number };
}

/** A blend (or a slide) leaves at most this share of what the nearer end alone leaves. */
export const BLEND_MAX = 0.3;
/** A wipe, hard or soft, at most this. */
export const OTHER_RATIO = 0.5;
/** A wipe's blocks are spread between A' and B' (a blend's all read one mix). */
const MIN_SPREAD = 0.18;
const MARGIN = 8;
const SPAN_EPS = 0.01;
/** A blend's α and β are noisier than a share of pixels (a 45-frame dissolve moves 2.2 % a frame). */
const BLEND_SPAN_EPS = 0.02;
/** How far the measured span may move the detected one's ends. */
export const MAX_SHIFT = 4;
/** How much of |A' − B'| an end may have drifted from its own frame at the detected span. */
export const MAX_DRIFT = 0.12;
const DISTINCT = 20;
const DRIFT_LEAD = 3;

export interface Sim {
  m00: number;
  m01: number;
  m10: number;
  m11: number;
  tx: number;
  ty: number;
}
const ID: Sim = { m00: 1, m01: 0, m10: 0, m11: 1, tx: 0, ty: 0 };
export const fromParams = (p: MotionParams): Sim => ({
  m00: 1 + p.a,
  m01: -p.b,
  m10: p.b,
  m11: 1 + p.a,
  tx: p.tx,
  ty: p.ty,
});
/** x ↦ S(T(x)) */
export const compose = (S: Sim, T: Sim): Sim => ({
  m00: S.m00 * T.m00 + S.m01 * T.m10,
  m01: S.m00 * T.m01 + S.m01 * T.m11,
  m10: S.m10 * T.m00 + S.m11 * T.m10,
  m11: S.m10 * T.m01 + S.m11 * T.m11,
  tx: S.m00 * T.tx + S.m01 * T.ty + S.tx,
  ty: S.m10 * T.tx + S.m11 * T.ty + S.ty,
});
export function inverse(S: Sim): Sim {
  const det = S.m00 * S.m11 - S.m01 * S.m10;
  const i00 = S.m11 / det;
  const i01 = -S.m01 / det;
  const i10 = -S.m10 / det;
  const i11 = S.m00 / det;
  return {
    m00: i00,
    m01: i01,
    m10: i10,
    m11: i11,
    tx: -(i00 * S.tx + i01 * S.ty),
    ty: -(i10 * S.tx + i11 * S.ty),
  };
}
function power(S: Sim, n: number): Sim {
  let r = ID;
  for (let k = 0; k < n; k++) r = compose(S, r);
  return r;
}

/** dst(x) = src(S·x) (coordinates about the centre), bilinear; valid[i] = 0 where S·x falls outside. */
export function warp(src: Uint8Array, w: number, h: number, S: Sim, dst: Float32Array, valid: Uint8Array) {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const X = x - cx;
      const Y = y - cy;
      const sx = S.m00 * X + S.m01 * Y + S.tx + cx;
      const sy = S.m10 * X + S.m11 * Y + S.ty + cy;
      const i = y * w + x;
      valid[i] = 1;
      if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) {
        valid[i] = 0;
        dst[i] =
          src[
            Math.min(h - 1, Math.max(0, Math.round(sy))) * w + Math.min(w - 1, Math.max(0, Math.round(sx)))
          ];
        continue;
      }
      const x0 = Math.min(w - 2, Math.floor(sx));
      const y0 = Math.min(h - 2, Math.floor(sy));
      const fx = sx - x0;
      const fy = sy - y0;
      const j = y0 * w + x0;
      dst[i] =
        (1 - fy) * ((1 - fx) * src[j] + fx * src[j + 1]) + fy * ((1 - fx) * src[j + w] + fx * src[j + w + 1]);
    }
}

/** 3×3 binomial blur (edges clamped): residuals then measure content, not interpolation and noise. */
export function blur(src: Uint8Array, w: number, h: number): Uint8Array {
  const tmp = new Float32Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = y * w;
      tmp[r + x] =
        0.25 * src[r + Math.max(0, x - 1)] + 0.5 * src[r + x] + 0.25 * src[r + Math.min(w - 1, x + 1)];
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      out[i] = Math.round(
        0.25 * tmp[Math.max(0, y - 1) * w + x] + 0.5 * tmp[i] + 0.25 * tmp[Math.min(h - 1, y + 1) * w + x],
      );
    }
  return out;
}

function medianMotion(inp: TypingInput, from: number, to: number): Sim {
  const vals: MotionParams[] = [];
  for (let j = Math.max(0, from); j <= Math.min(inp.count - 2, to); j++) {
    const m = inp.motion(j);
    if (m) vals.push(m);
  }
  if (!vals.length) return ID;
  const med = (f: (m: MotionParams) => number) => {
    const v = vals.map(f).sort((x, y) => x - y);
    return v[v.length >> 1];
  };
  return fromParams({ tx: med((m) => m.tx), ty: med((m) => m.ty), a: med((m) => m.a), b: med((m) => m.b) });
}

interface FrameFit {
  d: number;
  /** What the nearer end alone leaves: min(Σ|F − A'|, Σ|F − B'|). */
  base: number;
  /** Σ|F − A'| and Σ|F − B'|. */
  da: number;
  db: number;
  blend: number;
  sw: number;
  slide: number;
  pBlend: number;

  pSlide: number;
  /** Per-block blend residual (F ≈ w·A' + (1 − w)·B' with one w per 4×4 block). */
  proj: number;
  /** Spread (standard deviation) of the blocks' w over blocks that tell A' and B' apart. */
  spread: number;
  /** 1 − the mean of the blocks' w: a wipe's progress, hard-edged or soft. */
  pBlocks: number;
}

/** Solves the 3×3 system M·x = r (Cramer). */
function solve3(M: number[][], r: number[]): [number, number, number] | null {
  const det3 = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det3(M);
  if (Math.abs(D) < 1e-9) return null;
  const col = (c: number) => M.map((row, i) => row.map((v, j) => (j === c ? r[i] : v)));
  return [det3(col(0)) / D, det3(col(1)) / D, det3(col(2)) / D];
}

function fitFrame(
  F: Uint8Array,
  A: Float32Array,
  B: Float32Array,
  valid: Uint8Array,
  w: number,
  h: number,
): FrameFit {
  const n = w * h;
  // blend: F ≈ αA + βB + c
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  let sa = 0;
  let sb = 0;
  let s1 = 0;
  let sfa = 0;
  let sfb = 0;
  let sf = 0;
  let d = 0;
  let sw = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const a = A[i];
    const b = B[i];
    const f = F[i];
    saa += a * a;
    sbb += b * b;
    sab += a * b;
    sa += a;
    sb += b;
    s1++;
    sfa += f * a;
    sfb += f * b;
    sf += f;
    const dab = Math.abs(a - b);
    d += dab;
    const ea = Math.abs(f - a);
    const eb = Math.abs(f - b);
    da += ea;
    db += eb;
    sw += Math.min(ea, eb);
  }
  const x = solve3(
    [
      [saa, sab, sa],
      [sab, sbb, sb],
      [sa, sb, s1],
    ],
    [sfa, sfb, sf],
  ) ?? [1, 0, 0];
  const [al, be, c] = x;
  let blend = 0;
  for (let i = 0; i < n; i++) if (valid[i]) blend += Math.abs(F[i] - al * A[i] - be * B[i] - c);
  // slide: four directions, every shift
  let slide = Number.POSITIVE_INFINITY;
  let pSlide = 0;
  for (let dir = 0; dir < 4; dir++) {
    const horiz = dir < 2;
    const L = horiz ? w : h;
    for (let s = 0; s <= L; s++) {
      let e = 0;
      let cnt = 0;
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) {
          // u: the coordinate along the slide, from where B enters (0) … to where A leaves.
          const u = horiz ? (dir === 0 ? xx : w - 1 - xx) : dir === 2 ? y : h - 1 - y;
          let src: Float32Array;
          let v: number;
          if (u < L - s) {
            src = A;
            v = u + s;
          } else {
            src = B;
            v = u - (L - s);
          }
          const sx = horiz ? (dir === 0 ? v : w - 1 - v) : xx;
          const sy = horiz ? y : dir === 2 ? v : h - 1 - v;
          const j = sy * w + sx;
          if (!valid[j]) continue;
          e += Math.abs(F[y * w + xx] - src[j]);
          cnt++;
        }
      const r = cnt ? (e / cnt) * s1 : Number.POSITIVE_INFINITY;
      if (r < slide) {
        slide = r;
        pSlide = s / L;
      }
    }
  }
  // per-block blend: w per 4×4 block
  let proj = 0;
  let wsum = 0;
  let w2sum = 0;
  let wn = 0;
  for (let by = 0; by < h; by += 4)
    for (let bx = 0; bx < w; bx += 4) {
      let num = 0;
      let den = 0;
      for (let y = by; y < Math.min(h, by + 4); y++)
        for (let xx = bx; xx < Math.min(w, bx + 4); xx++) {
          const i = y * w + xx;
          if (!valid[i]) continue;
          const ab = A[i] - B[i];
          num += (F[i] - B[i]) * ab;
          den += ab * ab;
        }
      const wb = den > 0 ? Math.min(1, Math.max(0, num / den)) : 0.5;
      for (let y = by; y < Math.min(h, by + 4); y++)
        for (let xx = bx; xx < Math.min(w, bx + 4); xx++) {
          const i = y * w + xx;
          if (valid[i]) proj += Math.abs(F[i] - wb * A[i] - (1 - wb) * B[i]);
        }
      if (den > 16 * DISTINCT * DISTINCT) {
        wsum += wb;
        w2sum += wb * wb;
        wn++;
      }
    }
  const wm = wn ? wsum / wn : 0;
  const spread = wn ? Math.sqrt(Math.max(0, w2sum / wn - wm * wm)) : 0;
  return {
    d,
    proj,
    spread,
    pBlocks: wn ? 1 - wm : 0,
    base: Math.min(da, db),
    da,
    db,
    blend,
    sw,
    slide,
    pBlend: Math.min(1, Math.max(0, 0.5 * (1 - al) + 0.5 * be)),
    pSlide,
  };
}

/**
 * The span where the frames are neither A nor B: from the last frame (before the middle) still
 * within `epsA` of A to the first frame (after it) within `epsB` of B, by the distances offA / offB.
 */
function span(ks: number[], offA: number[], offB: number[], epsA: number, epsB: number): [number, number] {
  let mid = 0;
  for (let i = 0; i < ks.length; i++)
    if (Math.min(offA[i], offB[i]) > Math.min(offA[mid], offB[mid])) mid = i;
  let s = 0;
  for (let i = 0; i <= mid; i++) if (offA[i] <= epsA) s = i;
  let e = ks.length - 1;
  for (let i = ks.length - 1; i >= mid; i--) if (offB[i] <= epsB) e = i;
  return [ks[s], ks[e]];
}

/** Frames s0..e0 (blurred) and, for each, A'(k) and B'(k) with where both are inside the frame. */
export interface CarriedEnds {
  frames: Uint8Array[];
  A: Float32Array[];
  B: Float32Array[];
  valid: Uint8Array[];
}

/**
 * The frames s0..e0 (all kept, else null), blurred, with the first frame A and the last B carried
 * to each frame k by their own shot's camera motion (the median of the pairs just before s0 / after
 * e0): A'(k)(x) = A((T_A^(k−s0))⁻¹ x), B'(k)(x) = B(T_B^(e0−k) x).
 */
export function carriedEnds(inp: TypingInput, s0: number, e0: number): CarriedEnds | null {
  const { w, h } = inp;
  const frames: Uint8Array[] = [];
  for (let k = s0; k <= e0; k++) {
    const px = inp.frame(k);
    if (!px) return null;
    frames.push(blur(px, w, h));
  }
  const Af = frames[0];
  const Bf = frames[frames.length - 1];
  const motA = medianMotion(inp, s0 - 6, s0 - 1);
  const motB = medianMotion(inp, e0, e0 + 5);
  const out: CarriedEnds = { frames, A: [], B: [], valid: [] };
  const vA = new Uint8Array(w * h);
  const vB = new Uint8Array(w * h);
  for (let k = s0; k <= e0; k++) {
    const A = new Float32Array(w * h);
    const B = new Float32Array(w * h);
    const valid = new Uint8Array(w * h);
    warp(Af, w, h, inverse(power(motA, k - s0)), A, vA);
    warp(Bf, w, h, power(motB, e0 - k), B, vB);
    for (let i = 0; i < valid.length; i++) valid[i] = vA[i] & vB[i];
    out.A.push(A);
    out.B.push(B);
    out.valid.push(valid);
  }
  return out;
}

/**
 * Types the gradual transition whose changed pairs are s+1..e (s: the last frame before it, as
 * detected) from the stored frames; null when they are not all stored.
 */
export function typeTransition(
  inp: TypingInput,
  s: number,
  e: number,
  /** Type even when an end drifts (the caller checks the winning model's progress itself). */
  drifting = false,
): TypedTransition | null {
  const { w, h } = inp;
  let s0 = s;
  let e0 = e;
  // A little outside the detected span, so a span detected short is measured whole.
  while (s0 > Math.max(0, s - MARGIN) && inp.frame(s0 - 1)) s0--;
  while (e0 < Math.min(inp.count - 1, e + MARGIN) && inp.frame(e0 + 1)) e0++;
  const ends = carriedEnds(inp, s0, e0);
  if (!ends) return null;
  const { frames } = ends;
  const ks: number[] = [];
  const fits: FrameFit[] = [];
  for (let k = s0; k <= e0; k++) {
    ks.push(k);
    const j = k - s0;
    fits.push(fitFrame(frames[j], ends.A[j], ends.B[j], ends.valid[j], w, h));
  }
  // Residual ratios over the frames well inside (where the nearer end alone leaves at least a
  // quarter of the most it leaves anywhere): near the ends every model fits.
  let d = 0;
  let rb = 0;
  let rs = 0;
  let rl = 0;
  let rp = 0;
  let sp = 0;
  let spw = 0;
  const top = Math.max(...fits.map((f) => f.base));
  for (let i = 0; i < ks.length; i++) {
    if (fits[i].base < 0.25 * top) continue;
    d += fits[i].base;
    rb += fits[i].blend;
    rs += fits[i].sw;
    rl += fits[i].slide;
    rp += fits[i].proj;
    sp += fits[i].spread * fits[i].base;
    spw += fits[i].base;
  }
  const ratios =
    d > 0
      ? { blend: rb / d, switch: rs / d, slide: rl / d, proj: rp / d, spread: spw ? sp / spw : 0 }
      : { blend: 1, switch: 1, slide: 1, proj: 1, spread: 0 };
  // Each end's content must stay itself, up to its camera motion, from the margin's edge to the
  // detected span: content that changes by itself (an evolving pattern, a crowd) is no A' or B',
  // and the thumbnails' typing stands.
  const at = (k: number) => fits[Math.max(0, Math.min(ks.length - 1, k - s0))];
  const dMean = Math.max(1, fits.reduce((t, f) => t + f.d, 0) / fits.length);
  // Measured DRIFT_LEAD frames outside the detected span (within the margin), so a span detected
  // a few frames late (a zoom that starts at once) does not read its own first frames as drift.
  const drift = {
    a: at(Math.max(s0 + 2, s - DRIFT_LEAD)).da / dMean,
    b: at(Math.min(e0 - 2, e + DRIFT_LEAD)).db / dMean,
  };
  if (Math.max(drift.a, drift.b) > MAX_DRIFT && !drifting) return null;
  let family: TransitionFamily;
  const wipe = Math.min(ratios.switch, ratios.proj);
  if (ratios.blend <= BLEND_MAX && ratios.blend <= 1.5 * ratios.proj + 0.05) family = "blend";
  else if (ratios.slide <= BLEND_MAX && ratios.slide < wipe) family = "slide";
  else if (wipe <= OTHER_RATIO && ratios.spread >= MIN_SPREAD) family = "wipe";
  else family = "other";
  const ps = fits.map((f) =>
    family === "blend" ? f.pBlend : family === "wipe" ? f.pBlocks : family === "slide" ? f.pSlide : f.pBlend,
  );
  let start = s;
  let end = e;
  if (family !== "other") {
    // The progress' own noise, where the frames are surely still A (or already B): the margin's
    // frames well outside the detected span.
    let nA = 0;
    let nB = 0;
    for (let k = s0 + 1; k <= Math.min(s0 + 3, s - 2); k++) nA = Math.max(nA, ps[k - s0]);
    for (let k = e0 - 1; k >= Math.max(e0 - 3, e + 2); k--) nB = Math.max(nB, 1 - ps[k - s0]);
    [start, end] = span(
      ks,
      ps,
      ps.map((p) => 1 - p),
      Math.max(family === "blend" ? BLEND_SPAN_EPS : SPAN_EPS, 2 * nA),
      Math.max(family === "blend" ? BLEND_SPAN_EPS : SPAN_EPS, 2 * nB),
    );
  }
  start = Math.max(s - MAX_SHIFT, Math.min(start, e0 - 1));
  end = Math.min(e + MAX_SHIFT, Math.max(end, start + 1));
  const progress = ps.slice(start - s0, end - s0 + 1);
  const contrast = fits.reduce((t, f) => t + f.d, 0) / fits.length / (w * h);
  return { family, startFrame: start, frames: end - start, ratios, progress, contrast, drift };
}
