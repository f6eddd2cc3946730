/**
 * Global (camera) motion between two low-resolution luma frames (pure, typed arrays).
 *
 * Model: a similarity transform about the image centre. A point x of the earlier frame appears in
 * the later one at  x' = (1+a)·x − b·y + tx,  y' = b·x + (1+a)·y + ty  (pixels of the finest level).
 * Estimation is direct (gradient-based, Lucas–Kanade style Gauss–Newton) on a 3-level pyramid,
 * coarse to fine, with iteratively reweighted least squares (Huber weights from the residual
 * scale) so moving objects and occlusions are down-weighted as outliers. Sub-pixel accurate, it
 * measures zoom and rotation directly rather than from block vectors.
 */
export interface Pyramid {
  levels: { w: number; h: number; img: Float32Array; gx: Float32Array; gy: Float32Array }[];
}

export interface MotionParams {
  tx: number;
  ty: number;
  a: number;
  b: number;
}

export interface PairMotion extends MotionParams {
  /** Weighted share of pixels that fit the global model (0..1). */
  inliers: number;
  /** Mean absolute residual after compensation (0..255 luma units): local motion / misfit. */
  residual: number;
  /** Smallest eigenvalue proxy of the translation Hessian per pixel: how much texture there was. */
  texture: number;
}

function gradients(img: Float32Array, w: number, h: number) {
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    const r = y * w;
    for (let x = 1; x < w - 1; x++) {
      const i = r + x;
      gx[i] = 0.5 * (img[i + 1] - img[i - 1]);
      gy[i] = 0.5 * (img[i + w] - img[i - w]);
    }
  }
  return { gx, gy };
}

export function buildPyramid(luma: Uint8Array, w: number, h: number, levels = 3): Pyramid {
  const out: Pyramid["levels"] = [];
  let img = new Float32Array(luma.length);
  for (let i = 0; i < luma.length; i++) img[i] = luma[i];
  let cw = w;
  let ch = h;
  for (let l = 0; l < levels; l++) {
    const { gx, gy } = gradients(img, cw, ch);
    out.push({ w: cw, h: ch, img, gx, gy });
    if (l === levels - 1) break;
    const nw = cw >> 1;
    const nh = ch >> 1;
    const next = new Float32Array(nw * nh);
    for (let y = 0; y < nh; y++)
      for (let x = 0; x < nw; x++) {
        const i = 2 * y * cw + 2 * x;
        next[y * nw + x] = 0.25 * (img[i] + img[i + 1] + img[i + cw] + img[i + cw + 1]);
      }
    img = next;
    cw = nw;
    ch = nh;
  }
  return { levels: out };
}

function solve4(H: Float64Array, g: Float64Array): Float64Array | null {
  // Gaussian elimination with partial pivoting on a 4×4 system H·x = g.
  const m = new Float64Array(20);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) m[r * 5 + c] = H[r * 4 + c];
    m[r * 5 + 4] = g[r];
  }
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r * 5 + c]) > Math.abs(m[p * 5 + c])) p = r;
    if (Math.abs(m[p * 5 + c]) < 1e-9) return null;
    if (p !== c)
      for (let k = 0; k < 5; k++) {
        const t = m[c * 5 + k];
        m[c * 5 + k] = m[p * 5 + k];
        m[p * 5 + k] = t;
      }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = m[r * 5 + c] / m[c * 5 + c];
      for (let k = c; k < 5; k++) m[r * 5 + k] -= f * m[c * 5 + k];
    }
  }
  const x = new Float64Array(4);
  for (let r = 0; r < 4; r++) x[r] = m[r * 5 + 4] / m[r * 5 + r];
  return x;
}

const ITERATIONS = [2, 3, 5];

/** Estimates the motion from `prev` to `cur`, starting from `init` (finest-level units). */
export function estimateMotion(prev: Pyramid, cur: Pyramid, init?: MotionParams): PairMotion {
  const L = prev.levels.length;
  let tx = (init?.tx ?? 0) / 2 ** (L - 1);
  let ty = (init?.ty ?? 0) / 2 ** (L - 1);
  let a = init?.a ?? 0;
  let b = init?.b ?? 0;
  const H = new Float64Array(16);
  const g = new Float64Array(4);
  let inliers = 0;
  let residual = 0;
  let texture = 0;
  for (let l = L - 1; l >= 0; l--) {
    const P = prev.levels[l];
    const C = cur.levels[l];
    const w = P.w;
    const h = P.h;
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    let scale = 0; // robust scale of residuals, 0 = unweighted first pass
    const iters = ITERATIONS[Math.min(l, ITERATIONS.length - 1)];
    const Pimg = P.img;
    const Pgx = P.gx;
    const Pgy = P.gy;
    const img = C.img;
    for (let it = 0; it < iters; it++) {
      // The normal equations' sums in locals (registers), added in the same order as into H and g.
      let h0 = 0;
      let h1 = 0;
      let h2 = 0;
      let h3 = 0;
      let h5 = 0;
      let h6 = 0;
      let h7 = 0;
      let h10 = 0;
      let h11 = 0;
      let h15 = 0;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      let g3 = 0;
      let sumW = 0;
      let sumAbs = 0;
      let count = 0;
      let txx = 0;
      let tyy = 0;
      let txy = 0;
      const A = 1 + a;
      const c2 = 2 * scale;
      for (let y = 1; y < h - 1; y++) {
        const yc = y - cy;
        const row = y * w;
        const byc = b * yc;
        const Ayc = A * yc;
        for (let x = 1; x < w - 1; x++) {
          const xc = x - cx;
          const u = A * xc - byc + tx + cx;
          const v = b * xc + Ayc + ty + cy;
          if (u < 0 || v < 0 || u >= w - 1 || v >= h - 1) continue;
          const x0 = u | 0;
          const y0 = v | 0;
          const fx = u - x0;
          const fy = v - y0;
          const k = y0 * w + x0;
          const i00 = img[k];
          const i10 = img[k + w];
          const top = i00 + fx * (img[k + 1] - i00);
          const bot = i10 + fx * (img[k + w + 1] - i10);
          const i = row + x;
          const e = top + fy * (bot - top) - Pimg[i];
          const ae = e < 0 ? -e : e;
          sumAbs += ae;
          count++;
          let wt = 1;
          if (c2 > 0 && ae > c2) wt = c2 / ae;
          sumW += wt;
          const gxv = Pgx[i];
          const gyv = Pgy[i];
          const j2 = gxv * xc + gyv * yc;
          const j3 = gyv * xc - gxv * yc;
          const wgx = wt * gxv;
          const wgy = wt * gyv;
          const wj2 = wt * j2;
          h0 += wgx * gxv;
          h1 += wgx * gyv;
          h2 += wgx * j2;
          h3 += wgx * j3;
          h5 += wgy * gyv;
          h6 += wgy * j2;
          h7 += wgy * j3;
          h10 += wj2 * j2;
          h11 += wj2 * j3;
          h15 += wt * j3 * j3;
          g0 -= wgx * e;
          g1 -= wgy * e;
          g2 -= wj2 * e;
          g3 -= wt * j3 * e;
          txx += gxv * gxv;
          tyy += gyv * gyv;
          txy += gxv * gyv;
        }
      }
      H[0] = h0;
      H[1] = h1;
      H[2] = h2;
      H[3] = h3;
      H[5] = h5;
      H[6] = h6;
      H[7] = h7;
      H[10] = h10;
      H[11] = h11;
      H[15] = h15;
      g[0] = g0;
      g[1] = g1;
      g[2] = g2;
      g[3] = g3;
      H[4] = H[1];
      H[8] = H[2];
      H[9] = H[6];
      H[12] = H[3];
      H[13] = H[7];
      H[14] = H[11];
      if (count < 16) break;
      scale = Math.max(1, (1.25 * sumAbs) / count);
      if (l === 0) {
        inliers = sumW / count;
        residual = sumAbs / count;
        const tr = (txx + tyy) / count;
        const det = (txx * tyy - txy * txy) / (count * count);
        texture = tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
      }
      const d = solve4(H, g);
      if (!d) break;
      tx += d[0];
      ty += d[1];
      a += d[2];
      b += d[3];
      if (Math.abs(d[0]) + Math.abs(d[1]) < 0.01 && Math.abs(d[2]) + Math.abs(d[3]) < 2e-5) break;
    }
    if (l > 0) {
      tx *= 2;
      ty *= 2;
    }
  }
  return { tx, ty, a, b, inliers, residual, texture };
}
