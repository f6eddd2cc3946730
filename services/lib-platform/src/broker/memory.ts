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

export interface MemoryBrokerOptions {
  /** Delay before a rejected message is made available again, so a crash loop does not spin. Default 100 ms. */
  redeliveryDelayMs?: number;
  /** Where a failing broadcast handler is reported (it is not retried). Default stderr. */
  onError?: ErrorSink;
}

interface Envelope {
  readonly key: string;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  deliveryCount: number;
}

interface Consumer {
  readonly queue: QueueState;
  readonly handler: MessageHandler;
  readonly prefetch: number;
  readonly maxDeliveries: number;
  readonly inFlight: Set<Promise<void>>;
  active: boolean;
}

interface QueueState {
  readonly name: string;
  readonly bindings: Set<string>;
  readonly ready: Envelope[];
  readonly consumers: Consumer[];
  readonly deadLetters: BrokerMessage[];
  next: number;
  scheduled: boolean;
}

interface Subscriber {
  readonly key: string;
  readonly handler: MessageHandler;
  chain: Promise<void>;
  active: boolean;
}

function toMessage(env: Envelope): BrokerMessage {
  // A fresh copy per delivery: a handler mutating its body cannot affect a redelivery.
  return Object.freeze({
    key: env.key,
    body: env.body.slice(),
    headers: env.headers,
    deliveryCount: env.deliveryCount,
  });
}

/**
 * In-process broker with RabbitMQ's semantics (topic exchange with exact-match bindings, durable
 * queues for the process lifetime, round-robin consumers, prefetch, ack on resolve, delayed
 * redelivery on reject, dead letters after maxDeliveries). Handlers always run asynchronously.
 */
export class MemoryBroker implements Broker {
  private readonly queues = new Map<string, QueueState>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly redeliveryDelayMs: number;
  private closed = false;

  private readonly onError: ErrorSink;

  constructor(options: MemoryBrokerOptions = {}) {
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 100;
    this.onError = options.onError ?? stderrSink;
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    this.assertOpen();
    this.declare(spec);
  }

  async publish(key: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<void> {
    this.assertOpen();
    if (!(body instanceof Uint8Array)) throw new TypeError("broker body must be a Uint8Array");
    const copy = new Uint8Array(body); // a plain Uint8Array copy, so later .slice() copies too
    const frozenHeaders = Object.freeze({ ...headers });
    for (const q of this.queues.values()) {
      if (!q.bindings.has(key)) continue;
      q.ready.push({ key, body: copy, headers: frozenHeaders, deliveryCount: 0 });
      this.schedule(q);
    }
    for (const sub of this.subscribers) {
      if (sub.key !== key) continue;
      const env: Envelope = { key, body: copy, headers: frozenHeaders, deliveryCount: 0 };
      // Per-subscriber FIFO; at-most-once: a failing broadcast handler is not retried.
      sub.chain = sub.chain
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => (sub.active && !this.closed ? sub.handler(toMessage(env)) : undefined))
        .catch((err) => this.onError(err, `broadcast handler for ${key} failed`));
    }
  }

  async consume(
    spec: QueueSpec,
    handler: MessageHandler,
    options: ConsumeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const { prefetch, maxDeliveries } = consumeSettings(options);
    const queue = this.declare(spec);
    const consumer: Consumer = { queue, handler, prefetch, maxDeliveries, inFlight: new Set(), active: true };
    queue.consumers.push(consumer);
    this.schedule(queue);
    return {
      cancel: async () => {
        if (consumer.active) {
          consumer.active = false;
          const i = queue.consumers.indexOf(consumer);
          if (i >= 0) queue.consumers.splice(i, 1);
        }
        // In-flight handlers finish: resolved ones are acked, rejected ones redelivered.
        await Promise.all(consumer.inFlight);
      },
    };
  }

  async subscribe(key: string, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    const sub: Subscriber = { key, handler, chain: Promise.resolve(), active: true };
    this.subscribers.add(sub);
    return {
      cancel: async () => {
        sub.active = false;
        this.subscribers.delete(sub);
        await sub.chain;
      },
    };
  }

  async queueStats(queue: string): Promise<QueueStats> {
    const q = this.queues.get(queue);
    return { messages: q?.ready.length ?? 0, consumers: q?.consumers.length ?? 0 };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async deadLetters(queue: string): Promise<BrokerMessage[]> {
    return [...(this.queues.get(queue)?.deadLetters ?? [])];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const q of this.queues.values()) {
      for (const c of q.consumers) c.active = false;
      q.consumers.length = 0;
    }
    for (const s of this.subscribers) s.active = false;
    this.subscribers.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("broker closed");
  }

  private declare(spec: QueueSpec): QueueState {
    if (!spec.name) throw new Error("queue name required");
    let q = this.queues.get(spec.name);
    if (!q) {
      q = {
        name: spec.name,
        bindings: new Set(),
        ready: [],
        consumers: [],
        deadLetters: [],
        next: 0,
        scheduled: false,
      };
      this.queues.set(spec.name, q);
    }
    for (const b of spec.bindings) q.bindings.add(b);
    return q;
  }

  private schedule(q: QueueState): void {
    if (q.scheduled || this.closed) return;
    q.scheduled = true;
    setImmediate(() => {
      q.scheduled = false;
      this.dispatch(q);
    });
  }

  private dispatch(q: QueueState): void {
    while (!this.closed && q.ready.length > 0) {
      const consumer = this.pickConsumer(q);
      if (!consumer) return;
      this.deliver(consumer, q.ready.shift()!);
    }
  }

  /** Next consumer in round-robin order that has prefetch capacity left. */
  private pickConsumer(q: QueueState): Consumer | undefined {
    const n = q.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = q.consumers[(q.next + i) % n];
      if (c.inFlight.size < c.prefetch) {
        q.next = (q.next + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  private deliver(consumer: Consumer, env: Envelope): void {
    const q = consumer.queue;
    const run = Promise.resolve()
      .then(() => consumer.handler(toMessage(env)))
      .then(
        () => undefined, // ack
        () => {
          if (this.closed) return;
          if (env.deliveryCount + 1 >= consumer.maxDeliveries) {
            q.deadLetters.push(Object.freeze({ ...toMessage(env), deliveryCount: env.deliveryCount + 1 }));
            return;
          }
          env.deliveryCount += 1;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            q.ready.unshift(env);
            this.schedule(q);
          }, this.redeliveryDelayMs);
          this.timers.add(timer);
        },
      )
      .finally(() => {
        consumer.inFlight.delete(run);
        this.schedule(q);
      });
    consumer.inFlight.add(run);
  }
}
