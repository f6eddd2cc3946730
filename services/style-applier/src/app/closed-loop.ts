import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ColorGrade,
  type FidelityReport,
  type FidelityRound,
  type StyleJson,
  storageKeys,
} from "@clipzy/contracts";
import { runFfmpeg, spawnFfmpeg } from "@clipzy/media/ffmpeg";
import { intermediateOutputArgs } from "@clipzy/media/frame-decoder";
import { type MeasuredStyle, measureStyle } from "@clipzy/media/measure-style";
import { renderArgs } from "@clipzy/media/render-graph";
import {
  type ColourPrediction,
  type Corrections,
  colourWorsened,
  intermediateSize,
  LOOP_MAX_ROUNDS,
  type LoopState,
  loopScore,
  NO_CORRECTIONS,
  nextCorrections,
  outsideFields,
  roundOf,
} from "@clipzy/models/closed-loop";
import type { EditDecisionList } from "@clipzy/models/edit/edl";
import { fidelityReport } from "@clipzy/models/fidelity";
import type { ColorProfile } from "@clipzy/models/video/lab";
import type { ObjectStore } from "@clipzy/platform/objectstore";
import { ProcessError } from "@clipzy/platform/process";
import { StageInputError } from "@clipzy/platform/stage-worker";
import { proxyEdl } from "../domain/proxy.js";

/**
 * The closed loop, before the final encode: render a proxy of the planned EDL (the same graph at
 * low resolution, domain/proxy.ts), re-measure it with the engine's own analysers and the
 * fidelity report as the rendering stage does, correct what is outside (@clipzy/models/
 * closed-loop), and again, for at most LOOP_MAX_ROUNDS rounds or until every applied field is
 * within. Each proxy is stored as the job's preview as soon as it exists (a finished temp file
 * put whole, so nothing half-written is served). The best round's plan is the one encoded.
 */
export interface LoopInput {
  store: ObjectStore;
  jobId: string;
  signal?: AbortSignal;
  /** Progress within the loop, 0..1. */
  progress: (f: number) => void;
  edl: EditDecisionList;
  requested: StyleJson;
  profiles: { source: ColorProfile; template: ColorProfile | null };
  /** The source's pixel sample (packed rgb24, from its analysis). */
  sourceSample: Uint8Array;
  /** The source's own six numbers (its Style DNA's color_grade). */
  sourceGrade?: ColorGrade | null;
  /** The EDL for a round's corrections (re-planned when its counts change). */
  plan: (c: Corrections) => EditDecisionList;
  /** The intermediate video analysis wrote during its decode of the source (absent: the loop makes it). */
  intermediate?: { key: string; width: number; height: number } | null;
}

export interface LoopResult {
  edl: EditDecisionList;
  corrections: Corrections;
  rounds: FidelityRound[];
  /** The chosen round (1-based) and its report. */
  chosen: number;
  report: FidelityReport;
  /** What the last colour re-solve predicted at best (null when none ran). */
  predicted: ColourPrediction | null;
  /** On the chosen round's proxy: the share of the pairs zoom_usage counts whose motion was measurable. */
  motionMeasurable: number | null;
  /** The edit points the chosen round's proxy read back (seconds). */
  edits: readonly { start_seconds: number; duration_seconds: number }[] | null;
  seconds: { intermediate: number; total: number };
}

export async function closedLoop(p: LoopInput): Promise<LoopResult> {
  const started = performance.now();
  let intermediate = 0;
  const dir = await mkdtemp(join(tmpdir(), `clipzy-loop-${p.jobId}-`));
  try {
    const small = intermediateSize(p.edl.source.width, p.edl.source.height);
    let input = "";
    let size = { width: p.edl.source.width, height: p.edl.source.height };
    const made = p.intermediate;
    if (small && made && made.width === small.width && made.height === small.height) {
      // made by video analysis from its own decode of the source: no second full-resolution decode
      input = await p.store.readableLocation(made.key);
      size = small;
    } else if (small) {
      const source = await p.store.readableLocation(p.edl.input_key);
      input = join(dir, "intermediate.mov");
      await proxyStep(() => runFfmpeg(intermediateArgs(source, small, input), { signal: p.signal }));
      size = small;
      intermediate = (performance.now() - started) / 1000;
    } else input = await p.store.readableLocation(p.edl.input_key);
    const share = (round: number, part: number) => 0.1 + (0.9 * (round + part)) / LOOP_MAX_ROUNDS;
    p.progress(0.1);
    const state: LoopState = {
      requested: p.requested,
      transfer: p.edl.colour.transfer,
      template: p.profiles.template,
      sourceSample: p.sourceSample,
      sourceGrade: p.sourceGrade ?? null,
      history: [],
    };
    const rounds: FidelityRound[] = [];
    const edls: EditDecisionList[] = [];
    let corrections = NO_CORRECTIONS;
    let changed: string[] = [];
    let predicted: ColourPrediction | null = null;
    for (let n = 1; n <= LOOP_MAX_ROUNDS; n++) {
      const edl = n === 1 ? p.edl : p.plan(corrections);
      const file = join(dir, `proxy-${n}.mp4`);
      await proxyStep(() => renderProxy(proxyEdl(edl, size), input, file, p.signal));
      await p.store.put(storageKeys.preview(p.jobId), createReadStream(file), { contentType: "video/mp4" });
      p.progress(share(n - 1, 0.5));
      const measured = await measureStyle(file, { signal: p.signal, hasAudio: edl.audio.mode !== "none" });
      const report = proxyReport(p, edl, measured);
      rounds.push(roundOf(n, changed, report));
      edls.push(edl);
      state.history.push({
        corrections,
        report,
        proxy: {
          profile: measured.profile,
          sample: measured.sample,
          motionMeasurable: measured.motionMeasurable,
          edits: measured.edits,
        },
      });
      p.progress(share(n - 1, 1));
      if (!outsideFields(report).length || n === LOOP_MAX_ROUNDS || colourWorsened(state.history)) break;
      const next = nextCorrections(state);
      if (!next) break;
      corrections = next.corrections;
      changed = next.changed;
      predicted = next.predicted ?? predicted;
    }
    let best = 0;
    for (let i = 1; i < state.history.length; i++)
      if (
        loopScore(state.history[i].report, state.sourceGrade) <
        loopScore(state.history[best].report, state.sourceGrade) - 1e-9
      )
        best = i;
    if (best !== state.history.length - 1)
      // the preview is the plan that is encoded
      await p.store.put(storageKeys.preview(p.jobId), createReadStream(join(dir, `proxy-${best + 1}.mp4`)), {
        contentType: "video/mp4",
      });
    p.progress(1);
    return {
      edl: edls[best],
      corrections: state.history[best].corrections,
      rounds,
      chosen: best + 1,
      report: state.history[best].report,
      predicted,
      motionMeasurable: state.history[best].proxy.motionMeasurable ?? null,
      edits: state.history[best].proxy.edits ?? null,
      seconds: { intermediate: round2(intermediate), total: round2((performance.now() - started) / 1000) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function proxyReport(p: LoopInput, edl: EditDecisionList, m: MeasuredStyle): FidelityReport {
  return fidelityReport({
    requested: p.requested,
    achieved: m.style,
    applied: edl.applied,
    colour: edl.colour.transfer,
    profiles: { source: p.profiles.source, output: m.profile, template: p.profiles.template },
    outputLufs: m.lufs,
    measuredOn: m.measuredOn,
  });
}

async function renderProxy(edl: EditDecisionList, input: string, out: string, signal?: AbortSignal) {
  const ff = spawnFfmpeg(renderArgs(edl, input, out), { signal });
  ff.stdout.resume();
  await ff.done;
}

/** The loop's own intermediate, when video analysis did not leave one (intermediateOutputArgs). */
export function intermediateArgs(
  source: string,
  size: { width: number; height: number },
  out: string,
): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-v",
    "error",
    "-y",
    "-i",
    source,
    ...intermediateOutputArgs(size, out),
  ];
}

/**
 * A proxy that cannot be rendered fails the job at once with a sentence (not retried: the media is
 * at fault); ffmpeg's own output goes to the logs (the error's cause), not to the user.
 */
async function proxyStep(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ProcessError)) throw err;
    const failure = new StageInputError(PROXY_FAILED);
    failure.cause = err;
    throw failure;
  }
}

export const PROXY_FAILED =
  "The source could not be rendered as a proxy of the planned edit (ffmpeg could not process the media), " +
  "so the result could not be checked before the final encode; the file may be damaged beyond the part that was analysed.";
