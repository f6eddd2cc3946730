import type { JobResponse } from "@clipzy/client";
import cliProgress from "cli-progress";
import { bytes, seconds } from "./format.js";

/** Progress on stderr: live bars on a terminal (cli-progress), plain lines otherwise. Silent with --json. */
export interface Progress {
  upload(label: string): UploadBar;
  job(): JobProgress;
  /** A line of its own (never mixed into a live bar). */
  note(text: string): void;
}

export interface UploadBar {
  resumed(from: number): void;
  update(sent: number, total: number): void;
  done(): void;
  /** Stops the live bar without the summary line. */
  stop(): void;
}

export interface JobProgress {
  update(job: JobResponse): void;
  done(job: JobResponse): void;
  stop(): void;
}

const write = (s: string) => process.stderr.write(`${s}\n`);

export function createProgress(options: { tty: boolean; quiet: boolean }): Progress {
  const { tty, quiet } = options;
  const note = (s: string) => {
    if (!quiet) write(s);
  };
  return {
    note,
    upload(label) {
      const started = Date.now();
      let from = 0;
      let last = { sent: 0, total: 0 };
      const bar =
        tty && !quiet
          ? new cliProgress.SingleBar(
              {
                format: `${label} {bar} {percentage}% | {sentH} / {totalH} | {rate} | ETA {eta_formatted}`,
                hideCursor: true,
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      const rate = (sent: number) => {
        const s = (Date.now() - started) / 1000;
        return s > 0 ? `${bytes((sent - from) / s)}/s` : "—";
      };
      return {
        resumed(offset) {
          from = offset;
          if (offset > 0) note(`${label}: resuming an interrupted upload at ${bytes(offset)}`);
        },
        update(sent, total) {
          last = { sent, total };
          if (!bar) return;
          const payload = { sentH: bytes(sent), totalH: bytes(total), rate: rate(sent) };
          if (bar.getTotal() !== total) bar.start(total, sent, payload);
          else bar.update(sent, payload);
        },
        done() {
          bar?.stop();
          const s = (Date.now() - started) / 1000;
          note(`${label}: ${bytes(last.total)} sent in ${seconds(s)} (${rate(last.sent)})`);
        },
        stop() {
          bar?.stop();
        },
      };
    },
    job() {
      let stage: string | null = null;
      let stageStarted = Date.now();
      const bar =
        tty && !quiet
          ? new cliProgress.SingleBar(
              {
                format: "{stage} {bar} {value}% | ETA {etaText}",
                hideCursor: true,
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      const stageDone = (job: JobResponse) => {
        if (stage === null) return;
        const took = (Date.now() - stageStarted) / 1000;
        const line = `✓ ${stage.padEnd(18)} done in ${seconds(took)} (job at ${job.progress_percent}%)`;
        if (bar && started) bar.stop();
        note(line);
        started = false;
      };
      return {
        update(job) {
          if (job.current_stage !== stage) {
            stageDone(job);
            stage = job.current_stage;
            stageStarted = Date.now();
            const eta = job.eta_seconds === null ? "" : `, ETA ${seconds(job.eta_seconds)}`;
            if (stage && !bar) note(`… ${stage} (job at ${job.progress_percent}%${eta})`);
          }
          if (!bar || !stage) return;
          const payload = {
            stage: stage.padEnd(18),
            etaText: job.eta_seconds === null ? "—" : seconds(job.eta_seconds),
          };
          if (!started) {
            bar.start(100, job.progress_percent, payload);
            started = true;
          } else bar.update(job.progress_percent, payload);
        },
        done(job) {
          stageDone(job);
          stage = null;
        },
        stop() {
          if (bar && started) bar.stop();
        },
      };
    },
  };
}
