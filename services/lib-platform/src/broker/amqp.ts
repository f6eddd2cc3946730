import { setTimeout as sleep } from "node:timers/promises";
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Options,
} from "amqplib";
import { type ErrorSink, stderrSink } from "../log.js";
import type {
  Broker,
  BrokerMessage,
  ConsumeOptions,
  MessageHandler,
  QueueSpec,
  QueueStats,
  Subscription,
} from "./port.js";
import { consumeSettings } from "./port.js";

/**
 * RabbitMQ adapter (amqplib), with the same semantics as MemoryBroker:
 * - one durable topic exchange (`clipzy` unless `?exchange=` says otherwise); `declareQueue` asserts a
 *   durable queue and binds it to each key; messages are persistent and every publish waits for the
 *   publisher confirm.
 * - `consume` opens one channel per consumer with `prefetch` as its QoS, manual acks: a message is
 *   acked only after the handler resolved.
 * - Delivery counting and dead letters are done here, identically on RabbitMQ 3.x and 4.x and on
 *   classic or quorum queues: a failed message is re-published to its queue (default exchange) with
 *   `x-clipzy-delivery-count` incremented, after `redeliveryDelayMs`, and only then acked; after
 *   `maxDeliveries` failed deliveries it is published to the durable queue `<queue>.dead` instead.
 *   A message redelivered by the broker itself (its consumer died before acking) counts one more
 *   delivery (`redelivered` flag).
 * - `subscribe` binds an exclusive, auto-delete, server-named queue (at-most-once broadcast).
 * - The connection reconnects with exponential backoff after it is lost (broker restart, network):
 *   consumers and subscriptions are re-established, publishes in progress are retried until
 *   confirmed (at-least-once), and unacked messages are redelivered by the broker.
 */
export interface AmqpBrokerOptions {
  url: string;
  exchange?: string;
  /** Delay before a failed message is made available again. Default 100 ms. */
  redeliveryDelayMs?: number;
  /** How long a publish may wait for a connection and its confirm before failing. Default 60 s. */
  publishTimeoutMs?: number;
  /** How long the first connection may take (retrying with backoff). Default 30 s. */
  connectTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap. Defaults 100 ms and 5 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Called on connection loss / restore, for logs. */
  onEvent?: (event: "disconnected" | "reconnected", detail?: unknown) => void;
  /** Errors recovered from inside the broker (failed reconnects, broadcast handlers). Default stderr. */
  onError?: ErrorSink;
}

const COUNT_HEADER = "x-clipzy-delivery-count";
const KEY_HEADER = "x-clipzy-routing-key";
const DEAD_SUFFIX = ".dead";

function toHeaders(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (k === COUNT_HEADER || k === KEY_HEADER) continue;
    if (typeof v === "string") out[k] = v;
    else if (Buffer.isBuffer(v)) out[k] = v.toString("utf8");
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  return Object.freeze(out) as Record<string, string>;
}

function toMessage(msg: ConsumeMessage | amqp.GetMessage): BrokerMessage {
  const h = msg.properties.headers ?? {};
  const counted = Number(h[COUNT_HEADER] ?? 0) || 0;
  const key = typeof h[KEY_HEADER] === "string" ? (h[KEY_HEADER] as string) : msg.fields.routingKey;
  return Object.freeze({
    key,
    body: new Uint8Array(msg.content),
    headers: toHeaders(h),
    deliveryCount: counted + (msg.fields.redelivered ? 1 : 0),
  });
}

interface ConsumerState {
  readonly spec: QueueSpec;
  readonly handler: MessageHandler;
  readonly prefetch: number;
  readonly maxDeliveries: number;
  readonly inFlight: Set<Promise<void>>;
  /** The connection this consumer was (or is being) started on: never started twice on one. */
  boundTo?: ChannelModel;
  channel?: Channel;
  tag?: string;
  active: boolean;
}

interface SubscriberState {
  readonly key: string;
  readonly handler: MessageHandler;
  boundTo?: ChannelModel;
  channel?: Channel;
  chain: Promise<void>;
  active: boolean;
}

export class AmqpBroker implements Broker {
  private readonly url: string;
  private readonly exchange: string;
  private readonly redeliveryDelayMs: number;
  private readonly publishTimeoutMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly onEvent: AmqpBrokerOptions["onEvent"];
  private readonly onError: ErrorSink;
  private conn?: ChannelModel;
  private pub?: ConfirmChannel;
  /** Resolves when a connection (and its publish channel) is up. */
  private ready!: Promise<void>;
  private markReady!: () => void;
  private readonly declared = new Map<string, QueueSpec>();
  private readonly consumers = new Set<ConsumerState>();
  private readonly subscribers = new Set<SubscriberState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private reconnecting = false;

  private constructor(options: AmqpBrokerOptions) {
    this.url = options.url;
    this.exchange = options.exchange ?? "clipzy";
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 100;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 60_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 100;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 5000;
    this.onEvent = options.onEvent;
    this.onError = options.onError ?? stderrSink;
    this.resetReady();
  }

  /** Connects (retrying with backoff for up to `connectTimeoutMs`) and declares the exchange. */
  static async connect(options: AmqpBrokerOptions): Promise<AmqpBroker> {
    const b = new AmqpBroker(options);
    const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
    let delay = b.reconnectMinMs;
    for (;;) {
      try {
        await b.open();
        return b;
      } catch (err) {
        if (Date.now() + delay > deadline) {
          throw new Error(`cannot connect to RabbitMQ: ${(err as Error).message}`, { cause: err });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, b.reconnectMaxMs);
      }
    }
  }

  private resetReady(): void {
    this.ready = new Promise<void>((resolve) => {
      this.markReady = resolve;
    });
    this.ready.catch(() => undefined);
  }

  /** One connection: publish channel, exchange, known queues, consumers and subscribers. */
  private async open(): Promise<void> {
    const conn = await amqp.connect(this.url);
    let pub: ConfirmChannel;
    try {
      conn.on("error", () => undefined); // 'close' follows and handles it
      pub = await conn.createConfirmChannel();
      pub.on("error", () => undefined);
      await pub.assertExchange(this.exchange, "topic", { durable: true });
      for (const spec of this.declared.values()) await this.assertQueue(pub, spec);
      this.conn = conn;
      this.pub = pub;
      for (const c of this.consumers) if (c.active) await this.startConsumer(c, conn);
      for (const s of this.subscribers) if (s.active) await this.startSubscriber(s, conn);
    } catch (err) {
      this.conn = undefined;
      this.pub = undefined;
      await conn.close().catch(() => undefined);
      throw err;
    }
    conn.on("close", (err?: Error) => this.lost(conn, err));
    pub.on("close", () => {
      // A channel-level error (e.g. a failed declare) closes only this channel: reopen everything.
      if (this.conn === conn && !this.closed) void conn.close().catch(() => undefined);
    });
    this.markReady();
  }

  private lost(conn: ChannelModel, err?: Error): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.pub = undefined;
    for (const c of this.consumers) c.channel = undefined;
    for (const s of this.subscribers) s.channel = undefined;
    if (this.closed) return;
    this.resetReady();
    this.onEvent?.("disconnected", err);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let delay = this.reconnectMinMs;
    try {
      while (!this.closed) {
        await sleep(delay);
        if (this.closed) return;
        try {
          await this.open();
          this.onEvent?.("reconnected");
          return;
        } catch (err) {
          delay = Math.min(delay * 2, this.reconnectMaxMs);
          this.onError(err, `broker reconnect failed; next attempt in ${delay} ms`);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private async assertQueue(ch: Channel, spec: QueueSpec): Promise<void> {
    await ch.assertQueue(spec.name, { durable: true });
    await ch.assertQueue(spec.name + DEAD_SUFFIX, { durable: true });
    for (const key of spec.bindings) await ch.bindQueue(spec.name, this.exchange, key);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("broker closed");
  }

  /** Runs `op` on the publish channel, waiting for a connection and retrying after a connection loss. */
  private async withPublisher(what: string, op: (pub: ConfirmChannel) => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.publishTimeoutMs;
    let lastErr: unknown;
    for (;;) {
      this.assertOpen();
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`${what}: broker unavailable (${String(lastErr ?? "timeout")})`);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), remaining);
      });
      const closedCheck = this.ready.then(() => "ready" as const);
      const r = await Promise.race([closedCheck, timedOut]);
      clearTimeout(timer);
      if (r === "timeout") continue;
      this.assertOpen();
      const pub = this.pub;
      if (!pub) continue;
      try {
        await op(pub);
        return;
      } catch (err) {
        lastErr = err;
        if (this.closed) throw err;
        // A refusal by the server (404, 406, 403, …) is final; a lost channel or connection
        // (no AMQP code, or 320 connection-forced on a broker shutdown) is retried once reconnected.
        const code = (err as { code?: unknown }).code;
        if (typeof code === "number" && ![320, 501, 504, 541].includes(code)) throw err;
        await sleep(50);
      }
    }
  }

  private confirmPublish(
    pub: ConfirmChannel,
    exchange: string,
    key: string,
    body: Buffer,
    options: Options.Publish,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        pub.publish(exchange, key, body, options, (err) =>
          err ? reject(err instanceof Error ? err : new Error(`publish nacked: ${String(err)}`)) : resolve(),
        );
      } catch (err) {
        reject(err);
      }
    });
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    this.assertOpen();
    if (!spec.name) throw new Error("queue name required");
    const prev = this.declared.get(spec.name);
    const merged: QueueSpec = {
      name: spec.name,
      bindings: [...new Set([...(prev?.bindings ?? []), ...spec.bindings])],
    };
    await this.withPublisher("declareQueue", (pub) => this.assertQueue(pub, merged));
    this.declared.set(spec.name, merged);
  }

  async publish(key: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<void> {
    this.assertOpen();
    if (!(body instanceof Uint8Array)) throw new TypeError("broker body must be a Uint8Array");
    const content = Buffer.from(body); // a copy: the caller may reuse its buffer
    const options: Options.Publish = { persistent: true, headers: { ...headers } };
    await this.withPublisher("publish", (pub) =>
      this.confirmPublish(pub, this.exchange, key, content, options),
    );
  }

  async consume(
    spec: QueueSpec,
    handler: MessageHandler,
    options: ConsumeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const { prefetch, maxDeliveries } = consumeSettings(options);
    await this.declareQueue(spec);
    const state: ConsumerState = {
      spec,
      handler,
      prefetch,
      maxDeliveries,
      inFlight: new Set(),
      active: true,
    };
    this.consumers.add(state);
    await this.ready;
    if (this.conn) await this.startConsumer(state, this.conn);
    return {
      cancel: async () => {
        if (state.active) {
          state.active = false;
          const ch = state.channel;
          if (ch && state.tag) await ch.cancel(state.tag).catch(() => undefined);
        }
        // In-flight handlers finish: resolved ones are acked, rejected ones re-published.
        await Promise.all(state.inFlight);
        this.consumers.delete(state);
        const ch = state.channel;
        state.channel = undefined;
        if (ch) await ch.close().catch(() => undefined);
      },
    };
  }

  private async startConsumer(state: ConsumerState, conn: ChannelModel): Promise<void> {
    if (state.boundTo === conn) return;
    state.boundTo = conn;
    const ch = await conn.createChannel();
    ch.on("error", () => undefined);
    await ch.prefetch(state.prefetch, false);
    state.channel = ch;
    ch.on("close", () => {
      if (state.channel === ch) state.channel = undefined;
    });
    const { consumerTag } = await ch.consume(
      state.spec.name,
      (msg) => {
        if (!msg) return; // consumer cancelled by the server (queue deleted); reconnect re-creates it
        this.deliver(state, ch, msg);
      },
      { noAck: false },
    );
    state.tag = consumerTag;
  }

  private deliver(state: ConsumerState, ch: Channel, raw: ConsumeMessage): void {
    const message = toMessage(raw);
    const run = Promise.resolve()
      .then(() => state.handler(message))
      .then(
        () => this.settle(() => ch.ack(raw)),
        () => this.retry(state, ch, raw, message),
      )
      .catch((err) => this.onError(err, `settling a message of ${state.spec.name} failed`))
      .finally(() => {
        state.inFlight.delete(run);
      });
    state.inFlight.add(run);
  }

  /** Acks on the channel the message came from; a closed channel means the broker already requeued it. */
  private settle(op: () => void): void {
    try {
      op();
    } catch {
      // channel closed: the message is redelivered by the broker
    }
  }

  private async retry(state: ConsumerState, ch: Channel, raw: ConsumeMessage, msg: BrokerMessage) {
    if (this.closed) return;
    const failures = msg.deliveryCount + 1;
    const dead = failures >= state.maxDeliveries;
    if (!dead) await this.delay(this.redeliveryDelayMs);
    if (this.closed || state.channel !== ch) return; // channel gone: the broker redelivers it
    const headers = {
      ...(raw.properties.headers ?? {}),
      [COUNT_HEADER]: failures,
      [KEY_HEADER]: msg.key,
    };
    const target = dead ? state.spec.name + DEAD_SUFFIX : state.spec.name;
    try {
      const pub = this.pub;
      if (!pub) return;
      await this.confirmPublish(pub, "", target, raw.content, {
        persistent: true,
        headers,
        contentType: raw.properties.contentType,
      });
    } catch {
      return; // not confirmed: leave the original unacked, the broker redelivers it
    }
    this.settle(() => ch.ack(raw));
  }

  private delay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async subscribe(key: string, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    const sub: SubscriberState = { key, handler, chain: Promise.resolve(), active: true };
    this.subscribers.add(sub);
    await this.ready;
    if (this.conn) await this.startSubscriber(sub, this.conn);
    return {
      cancel: async () => {
        sub.active = false;
        this.subscribers.delete(sub);
        const ch = sub.channel;
        sub.channel = undefined;
        if (ch) await ch.close().catch(() => undefined);
        await sub.chain;
      },
    };
  }

  private async startSubscriber(sub: SubscriberState, conn: ChannelModel): Promise<void> {
    if (sub.boundTo === conn) return;
    sub.boundTo = conn;
    const ch = await conn.createChannel();
    ch.on("error", () => undefined);
    const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, this.exchange, sub.key);
    sub.channel = ch;
    await ch.consume(
      queue,
      (raw) => {
        if (!raw || !sub.active) return;
        const msg = toMessage(raw);
        // Per-subscriber FIFO; at-most-once: a failing broadcast handler is not retried.
        sub.chain = sub.chain
          .then(() => (sub.active && !this.closed ? sub.handler(msg) : undefined))
          .catch((err) => this.onError(err, `broadcast handler for ${sub.key} failed`));
      },
      { noAck: true },
    );
  }

  async queueStats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    const conn = this.conn;
    if (!conn) throw new Error("broker disconnected");
    const ch = await conn.createChannel();
    ch.on("error", () => undefined);
    try {
      const q = await ch.checkQueue(queue);
      return { messages: q.messageCount, consumers: q.consumerCount };
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return { messages: 0, consumers: 0 };
      throw err;
    } finally {
      await ch.close().catch(() => undefined); // already closed after a failed check
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    if (!this.conn || !this.pub) throw new Error("broker disconnected");
  }

  async deadLetters(queue: string): Promise<BrokerMessage[]> {
    this.assertOpen();
    await this.ready;
    const conn = this.conn;
    if (!conn) return [];
    const ch = await conn.createChannel();
    ch.on("error", () => undefined);
    const out: BrokerMessage[] = [];
    try {
      try {
        await ch.checkQueue(queue + DEAD_SUFFIX);
      } catch {
        return []; // no such queue (the failed check closed this channel)
      }
      // Read without consuming: every message got here stays unacked and is requeued on close.
      for (;;) {
        const m = await ch.get(queue + DEAD_SUFFIX, { noAck: false });
        if (!m) break;
        const msg = toMessage(m);
        out.push(Object.freeze({ ...msg, deliveryCount: Number(m.properties.headers?.[COUNT_HEADER] ?? 0) }));
      }
      return out;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.consumers) c.active = false;
    for (const s of this.subscribers) s.active = false;
    this.consumers.clear();
    this.subscribers.clear();
    const conn = this.conn;
    this.conn = undefined;
    this.pub = undefined;
    if (conn) await conn.close().catch(() => undefined);
  }
}
