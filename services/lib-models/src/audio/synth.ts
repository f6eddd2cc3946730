/**
 * Synthetic drum tracks with known beat times, for accuracy tests and the benchmark (pure code;
 * the tests encode the samples with ffmpeg and analyse the file like any upload).
 */
export type Pattern = "rock" | "four" | "funk16" | "swing" | "kick" | "snare" | "hat";

export interface DrumTrackSpec {
  bpm: number;
  seconds: number;
  pattern: Pattern;
  sampleRate?: number;
  /** Time of the first beat (s). */
  offset?: number;
  /** Per-hit level variation, dB (uniform in [-levelDb, 0]). */
  levelDb?: number;
  /** Timing jitter of each hit, seconds (uniform +-). */
  jitter?: number;
  /** Swing: position of the off-beat 8th as a fraction of the beat (0.5 = straight). */
  swing?: number;
  /** Add a sustained bass/chord layer (harmonic content) under the drums. */
  chords?: boolean;
  /**
   * A retriggered chord layer (pop/dance "stabs" or pads): see `ChordLayerSpec`. Independent of
   * `chords` (which keeps its original gated saw chord).
   */
  chordLayer?: ChordLayerSpec;
  /** A bass line: see `BassLineSpec`. */
  bassLine?: BassLineSpec;
  seed?: number;
  gain?: number;
}

export interface ChordLayerSpec {
  /** Retrigger the chord on every beat or once per bar (4 beats, on the downbeat). */
  every: "beat" | "bar";
  /** RMS of the layer relative to the RMS of the drums, dB (realistic: 0 to -6). */
  levelDb: number;
  /** Exponential decay time constant of each chord, s (default 0.8). */
  decay?: number;
}

export interface BassLineSpec {
  /** Notes on the beats, on the off-beat 8ths (house), or on every 8th (rock/pop). */
  rhythm: "beat" | "offbeat" | "eighths";
  /** RMS of the bass relative to the RMS of the drums, dB. */
  levelDb: number;
}

export interface DrumTrack {
  samples: Float32Array;
  sampleRate: number;
  /** True beat (quarter-note) times, seconds. */
  beats: number[];
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Voice = "K" | "S" | "H";

function addHit(
  out: Float32Array,
  fs: number,
  at: number,
  voice: Voice,
  gain: number,
  rnd: () => number,
): void {
  const start = Math.round(at * fs);
  const len = Math.round((voice === "H" ? 0.25 : voice === "S" ? 0.6 : 0.9) * fs);
  const fade = Math.round(0.05 * fs);
  let phase = 0;
  // one-pole filter states for the noise
  let lp = 0;
  let lp2 = 0;
  let hpPrev = 0;
  let hp = 0;
  let hp2Prev = 0;
  let hp2 = 0;
  for (let i = 0; i < len && start + i < out.length; i++) {
    if (start + i < 0) continue;
    const t = i / fs;
    let v = 0;
    if (voice === "K") {
      const f = 50 + 110 * Math.exp(-t / 0.03);
      phase += (2 * Math.PI * f) / fs;
      v = 0.9 * Math.sin(phase) * Math.exp(-t / 0.16) * Math.min(1, t / 0.001);
      if (t < 0.004) v += 0.08 * (rnd() * 2 - 1) * (1 - t / 0.004);
    } else if (voice === "S") {
      phase += (2 * Math.PI * 190) / fs;
      const n = rnd() * 2 - 1;
      // band-pass the noise roughly to 1-5 kHz (two one-pole low-passes, one high-pass)
      const aL = 1 - Math.exp((-2 * Math.PI * 5000) / fs);
      lp += aL * (n - lp);
      lp2 += aL * (lp - lp2);
      const aH = Math.exp((-2 * Math.PI * 1000) / fs);
      hp = aH * (hp + lp2 - hpPrev);
      hpPrev = lp2;
      v = 0.3 * Math.sin(phase) * Math.exp(-t / 0.06) + 1.6 * hp * Math.exp(-t / 0.09);
      v *= Math.min(1, t / 0.001);
    } else {
      const n = rnd() * 2 - 1;
      const aH = Math.exp((-2 * Math.PI * 7000) / fs);
      hp = aH * (hp + n - hpPrev);
      hpPrev = n;
      hp2 = aH * (hp2 + hp - hp2Prev);
      hp2Prev = hp;
      v = 0.55 * hp2 * Math.exp(-t / 0.035);
    }
    out[start + i] += gain * v * (i > len - fade ? (len - i) / fade : 1);
  }
}

export function drumTrack(spec: DrumTrackSpec): DrumTrack {
  const fs = spec.sampleRate ?? 48000;
  const rnd = mulberry32(spec.seed ?? 1);
  const out = new Float32Array(Math.round(spec.seconds * fs));
  const T = 60 / spec.bpm;
  const offset = spec.offset ?? 0.3;
  const levelDb = spec.levelDb ?? 4;
  const jitter = spec.jitter ?? 0.003;
  const swing = spec.swing ?? (spec.pattern === "swing" ? 0.62 : 0.5);
  const g0 = spec.gain ?? 0.5;
  const beats: number[] = [];
  const hit = (at: number, v: Voice, scale = 1) => {
    const g = g0 * scale * 10 ** (-(rnd() * levelDb) / 20);
    addHit(out, fs, at + (rnd() * 2 - 1) * jitter, v, g, rnd);
  };
  for (let b = 0; ; b++) {
    const t = offset + b * T;
    if (t > spec.seconds - 0.05) break;
    beats.push(t);
    const inBar = b % 4;
    const off = t + swing * T;
    switch (spec.pattern) {
      case "rock":
      case "swing":
        hit(t, inBar % 2 === 0 ? "K" : "S");
        hit(t, "H", 0.7);
        if (off < spec.seconds) hit(off, "H", 0.6);
        break;
      case "four":
        hit(t, "K");
        if (off < spec.seconds) hit(off, "H", 0.8);
        break;
      case "funk16":
        hit(t, inBar % 2 === 0 ? "K" : "S");
        if (inBar === 2) hit(t + 0.5 * T, "K", 0.7);
        for (let s = 0; s < 4; s++) hit(t + (s * T) / 4, "H", s === 0 ? 0.6 : 0.4);
        break;
      case "kick":
        hit(t, "K");
        break;
      case "snare":
        hit(t, "S");
        break;
      case "hat":
        hit(t, "H", 1.5);
        break;
    }
    if (spec.chords) addChord(out, fs, t, T, b, g0);
  }
  if (spec.chordLayer || spec.bassLine) {
    const drumsRms = rms(out);
    const lastBeat = beats.length;
    if (spec.chordLayer) {
      const layer = new Float32Array(out.length);
      const c = spec.chordLayer;
      const step = c.every === "bar" ? 4 : 1;
      for (let b = 0; b < lastBeat; b += step) {
        const t = offset + b * T + (rnd() * 2 - 1) * jitter;
        // each chord rings until the next trigger (then a short release); slight level variation
        addTriad(
          layer,
          fs,
          t,
          step * T,
          PROGRESSION[Math.floor(b / 4) % 4],
          c.decay ?? 0.8,
          10 ** (-(rnd() * 2) / 20),
        );
      }
      mixAt(out, layer, drumsRms, c.levelDb);
    }
    if (spec.bassLine) {
      const layer = new Float32Array(out.length);
      const bl = spec.bassLine;
      for (let b = 0; b < lastBeat; b++) {
        const t = offset + b * T;
        const root = PROGRESSION[Math.floor(b / 4) % 4][0] / 2;
        const notes =
          bl.rhythm === "beat"
            ? [[t, T]]
            : bl.rhythm === "offbeat"
              ? [[t + swing * T, (1 - swing) * T]]
              : [
                  [t, swing * T],
                  [t + swing * T, (1 - swing) * T],
                ];
        for (const [at, len] of notes)
          addBassNote(layer, fs, at + (rnd() * 2 - 1) * jitter, len, root, 10 ** (-(rnd() * 2) / 20));
      }
      mixAt(out, layer, drumsRms, bl.levelDb);
    }
    // keep the mix within 16-bit full scale
    let peak = 0;
    for (let i = 0; i < out.length; i++) peak = Math.max(peak, Math.abs(out[i]));
    if (peak > 0.95) for (let i = 0; i < out.length; i++) out[i] *= 0.95 / peak;
  }
  return { samples: out, sampleRate: fs, beats };
}

/** I-V-vi-IV in C (close voicings around C3-G3), one chord per bar: root, third, fifth (Hz). */
const PROGRESSION: readonly (readonly number[])[] = [
  [130.81, 164.81, 196.0],
  [123.47, 146.83, 196.0],
  [110.0, 130.81, 164.81],
  [87.31, 110.0, 130.81],
];

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Adds `layer` to `out` scaled so that its RMS is `levelDb` relative to `refRms`. */
function mixAt(out: Float32Array, layer: Float32Array, refRms: number, levelDb: number): void {
  const r = rms(layer);
  if (r <= 0) return;
  const k = (refRms * 10 ** (levelDb / 20)) / r;
  for (let i = 0; i < out.length; i++) out[i] += k * layer[i];
}

/**
 * A sustained triad: each note a few harmonics (1/h^1.5) on two slightly detuned oscillators,
 * 8 ms attack, exponential decay, 30 ms release at `length`.
 */
function addTriad(
  out: Float32Array,
  fs: number,
  at: number,
  length: number,
  notes: readonly number[],
  decay: number,
  gain: number,
): void {
  const start = Math.round(at * fs);
  const rel = 0.03;
  const len = Math.round((length + rel) * fs);
  for (let i = 0; i < len && start + i < out.length; i++) {
    if (start + i < 0) continue;
    const t = i / fs;
    let v = 0;
    for (const f of notes)
      for (let h = 1; h <= 5; h++) {
        const a = 1 / h ** 1.5;
        v += a * (Math.sin(2 * Math.PI * f * h * 0.999 * t) + Math.sin(2 * Math.PI * f * h * 1.001 * t + h));
      }
    const env =
      Math.min(1, t / 0.008) * Math.exp(-t / decay) * (t > length ? Math.max(0, 1 - (t - length) / rel) : 1);
    out[start + i] += gain * v * env;
  }
}

/** A bass note: sine plus a little second and third harmonic, 5 ms attack, decay, 20 ms release. */
function addBassNote(
  out: Float32Array,
  fs: number,
  at: number,
  length: number,
  f: number,
  gain: number,
): void {
  const start = Math.round(at * fs);
  const rel = 0.02;
  const len = Math.round(length * fs);
  for (let i = 0; i < len && start + i < out.length; i++) {
    if (start + i < 0) continue;
    const t = i / fs;
    const p = 2 * Math.PI * f * t;
    const v = Math.sin(p) + 0.3 * Math.sin(2 * p) + 0.1 * Math.sin(3 * p);
    const env = Math.min(1, t / 0.005) * Math.exp(-t / 0.4) * Math.min(1, (length - t) / rel);
    out[start + i] += gain * v * env;
  }
}

/** A sustained saw-ish chord per beat (harmonic, stable pitch): "music" without drums' sparsity. */
function addChord(out: Float32Array, fs: number, t: number, T: number, b: number, g: number): void {
  const roots = [110, 110, 146.83, 130.81];
  const root = roots[Math.floor(b / 4) % roots.length];
  const freqs = [root, root * 1.26, root * 1.498, root * 2];
  const start = Math.round(t * fs);
  const len = Math.round(T * fs);
  for (let i = 0; i < len && start + i < out.length; i++) {
    const tt = i / fs;
    let v = 0;
    for (const f of freqs) for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f * h * tt) / h;
    const env = Math.min(1, tt / 0.01) * Math.min(1, (T - tt) / 0.01);
    out[start + i] += 0.05 * g * v * env;
  }
}
