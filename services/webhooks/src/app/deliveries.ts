import { createHash } from "node:crypto";
import { AppError, jobDetailResponse } from "@clipzy/contracts";
import { type Collection, DuplicateKeyError } from "@clipzy/platform/docstore";
import type { Logger } from "@clipzy/platform/log";
import { metrics } from "@clipzy/platform/metrics";
import { currentTraceParent, inStoredTrace, SpanKind } from "@clipzy/platform/telemetry";
import type { Job } from "@clipzy/proto";
import type { SendResult } from "../adapters/http-sender.js";
import { retryDelayMs } from "../domain/retry.js";
import { webhookHeaders } from "../domain/signature.js";

export interface AttemptDoc {
  attempt: number;
  at: Date;
  status_code: number;
  latency_ms: number;
  error: string | null;
}

export interface DeliveryDoc {
  _id: string;
  tenant_id: string;
  job_id: string;
  url: string;
  body: string;
  state: "pending" | "delivered" | "failed" | "refused";
  attempts: AttemptDoc[];
  next_attempt_at: Date;
  /** Attempts made before the latest replay: each replay gets a fresh round of retries. */
  round_start: number;
  created_at: Date;
  /** W3C traceparent of the terminal event: each attempt is a span in the job's trace. */
  trace_parent?: string | null;
  [key: string]: unknown;
}

export interface DeliveriesDeps {
  deliveries: Collection<DeliveryDoc>;
  send: (url: string, body: string, headers: Record<string, string>) => Promise<SendResult>;
  /** The tenant's valid signing secrets at the time of an attempt. */
  secrets: (tenantId: string) => Promise<string[]>;
  retryBaseMs: number;
  /**
   * How long a claim on a delivery holds (at least the send timeout): an instance that dies
   * mid-send lets its claim lapse and another sends the attempt again after this.
   */
  leaseMs: number;
  log: Logger;
}

/** `msg_` + 24 hex characters derived from the job and the target: the Standard Webhooks message id. */
export const deliveryId = (jobId: string, url: string) =>
  `msg_${createHash("sha256").update(`${jobId}\n${url}`).digest("hex").slice(0, 24)}`;

/** Deliveries claimed per pass; a full page means more may be due at once. */
const DUE_PAGE = 20;

const TERMINAL_MESSAGE: Record<string, string> = {
  completed: "Job completed",
  failed: "Job failed",
  cancelled: "Job cancelled",
};

/** The body API.md fixes: the envelope with JobDetailResponse as data, plus seed 003's flat fields. */
export function webhookBody(job: Job): string {
  const detail = jobDetailResponse(job);
  return JSON.stringify({
    success: job.status === "completed",
    message: TERMINAL_MESSAGE[job.status] ?? `Job ${job.status}`,
    data: detail,
    job_id: detail.job_id,
    status: detail.status,
    progress_percent: detail.progress_percent,
    output_video_url: detail.output_video_url,
    processing_time_seconds: detail.processing_time_seconds,
  });
}

/**
 * Records deliveries durably, then sends them from a loop, so a restart resumes pending ones.
 * The loop wakes when there is something to send rather than polling: at once on an enqueue or a
 * replay, after each pass at the earliest pending delivery's time (a retry), and every `sweepMs`
 * for what this instance was not told of (another instance's enqueue or replay).
 */
export class Deliveries {
  private sending = false;
  /** A wake-up came while sending: the due set may have grown after the running pass read it. */
  private again = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeliveriesDeps) {}

  async init(): Promise<void> {
    await this.deps.deliveries.ensureIndex({ fields: { tenant_id: 1, job_id: 1 } });
    await this.deps.deliveries.ensureIndex({ fields: { state: 1, next_attempt_at: 1 } });
  }

  /**
   * Idempotent per job and URL: the delivery id is derived from them, so a duplicated (or
   * concurrently redelivered) terminal event cannot record a second delivery.
   */
  async enqueue(job: Job): Promise<void> {
    if (!job.webhookUrl) return;
    const now = new Date();
    try {
      await this.deps.deliveries.insertOne({
        _id: deliveryId(job.jobId, job.webhookUrl),
        tenant_id: job.tenantId,
        job_id: job.jobId,
        url: job.webhookUrl,
        body: webhookBody(job),
        state: "pending",
        attempts: [],
        next_attempt_at: now,
        round_start: 0,
        created_at: now,
        trace_parent: currentTraceParent(),
      });
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
    this.wake(0);
  }

  /** Sends a delivery again (whatever its state), with a fresh round of retries. */
  async replay(tenantId: string, deliveryId: string): Promise<DeliveryDoc> {
    const doc = await this.deps.deliveries.findOne({ _id: deliveryId, tenant_id: tenantId });
    if (!doc)
      throw new AppError("not_found", `webhook delivery ${deliveryId} not found`, {
        delivery_id: deliveryId,
      });
    const updated = await this.deps.deliveries.updateOne(
      { _id: deliveryId, tenant_id: tenantId },
      { $set: { state: "pending", next_attempt_at: new Date(), round_start: doc.attempts.length } },
    );
    this.wake(0);
    return updated!;
  }

  list(tenantId: string, jobId: string): Promise<DeliveryDoc[]> {
    return this.deps.deliveries.find({ tenant_id: tenantId, job_id: jobId }, { sort: { created_at: 1 } });
  }

  /** Starts the send loop: a pass now, then as deliveries fall due (see the class comment). */
  start(sweepMs: number): void {
    this.sweep = setInterval(() => this.wake(0), sweepMs);
    this.wake(0);
  }

  stop(): void {
    clearInterval(this.sweep);
    clearTimeout(this.wakeTimer);
    this.sweep = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  /** Runs a pass in `delayMs` (or sooner, when an earlier wake-up is already set). */
  private wake(delayMs: number): void {
    if (!this.sweep) return; // not started (tests drive sendDue themselves) or stopped
    const at = Date.now() + delayMs;
    if (at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.sendDue().catch((err) => this.deps.log.error({ err }, "webhook loop failed"));
    }, delayMs);
  }

  /** Sends every due delivery once. */
  async sendDue(): Promise<void> {
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    try {
      do {
        this.again = false;
        const due = await this.deps.deliveries.find(
          { state: "pending", next_attempt_at: { $lte: new Date() } },
          { limit: DUE_PAGE },
        );
        await Promise.all(
          due.map((d) => this.claim(d).then((mine) => (mine ? this.attempt(mine) : undefined))),
        );
        if (due.length === DUE_PAGE) this.again = true;
      } while (this.again);
      // the next retry, whoever scheduled it (a few ms late: the clock must have passed it)
      const [next] = await this.deps.deliveries.find(
        { state: "pending" },
        { sort: { next_attempt_at: 1 }, limit: 1 },
      );
      if (next) this.wake(Math.max(0, next.next_attempt_at.getTime() - Date.now()) + 5);
    } finally {
      this.sending = false;
    }
  }

  /**
   * Claims a due delivery for one attempt by moving its `next_attempt_at` a lease ahead, in one
   * conditional update: of several webhooks instances that found it due, exactly one gets it
   * (the others' filters no longer match), so no attempt is sent twice. The attempt's own update
   * then sets the real next time; a claim whose holder died simply falls due again.
   */
  private claim(d: DeliveryDoc): Promise<DeliveryDoc | null> {
    const now = new Date();
    return this.deps.deliveries.updateOne(
      { _id: d._id, state: "pending", next_attempt_at: { $lte: now } },
      { $set: { next_attempt_at: new Date(now.getTime() + this.deps.leaseMs) } },
    );
  }

  private attempt(d: DeliveryDoc): Promise<void> {
    const attributes = {
      "clipzy.job_id": d.job_id,
      "clipzy.delivery_id": d._id,
      "clipzy.attempt": d.attempts.length + 1,
    };
    return inStoredTrace(d.trace_parent, "webhook attempt", { kind: SpanKind.CLIENT, attributes }, (span) =>
      this.send(d).then((state) => {
        span.setAttribute("clipzy.webhook.state", state);
      }),
    );
  }

  private async send(d: DeliveryDoc): Promise<DeliveryDoc["state"]> {
    const started = Date.now();
    const headers = webhookHeaders(
      await this.deps.secrets(d.tenant_id),
      d._id,
      Math.floor(started / 1000),
      d.body,
    );
    const result = await this.deps.send(d.url, d.body, headers);
    const attempt: AttemptDoc = {
      attempt: d.attempts.length + 1,
      at: new Date(started),
      status_code: Math.max(0, result.statusCode),
      latency_ms: Date.now() - started,
      error: result.error,
    };
    const delay = retryDelayMs(attempt.attempt - (d.round_start ?? 0), this.deps.retryBaseMs);
    const state: DeliveryDoc["state"] =
      result.error === null
        ? "delivered"
        : result.statusCode === -1
          ? "refused"
          : delay === null
            ? "failed"
            : "pending";
    await this.deps.deliveries.updateOne(
      { _id: d._id },
      { $push: { attempts: attempt }, $set: { state, next_attempt_at: new Date(Date.now() + (delay ?? 0)) } },
    );
    this.deps.log.info(
      { job_id: d.job_id, delivery_id: d._id, attempt: attempt.attempt, state, error: result.error },
      "webhook attempt",
    );
    metrics.webhookAttempts.inc({ outcome: state === "pending" ? "retry" : state });
    return state;
  }
}
