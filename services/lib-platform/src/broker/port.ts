/**
 * The broker port: a topic exchange with durable queues, the semantics RabbitMQ gives.
 * - publish(key, body): routed to every queue bound to `key` (exact-match bindings).
 * - consume(queue): each message goes to one consumer of the queue; it is acked when the handler
 *   resolves and redelivered (to any consumer) when the handler rejects or the consumer goes away
 *   before acking. `redelivered` tells the handler it has seen a retry.
 * - subscribe(key): a non-durable broadcast: every live subscriber gets every message (used for
 *   cancellation, which each worker instance must hear).
 */
export interface BrokerMessage {
  readonly key: string;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** How many times this message was delivered before (0 on first delivery). */
  readonly deliveryCount: number;
}

export type MessageHandler = (msg: BrokerMessage) => Promise<void>;

export interface QueueSpec {
  readonly name: string;
  readonly bindings: readonly string[];
}

export interface ConsumeOptions {
  /** Maximum unacked messages in flight for this consumer. */
  readonly prefetch?: number;
  /** After this many failed deliveries the message is dead-lettered instead of redelivered. */
  readonly maxDeliveries?: number;
}

export interface QueueStats {
  readonly messages: number;
  readonly consumers: number;
}

export interface Subscription {
  /** Stop receiving; in-flight handlers finish, unacked messages are redelivered. */
  cancel(): Promise<void>;
}

export interface Broker {
  /** Declare a durable queue and its bindings; idempotent. Messages published before a queue exists are not routed to it. */
  declareQueue(spec: QueueSpec): Promise<void>;
  publish(key: string, body: Uint8Array, headers?: Record<string, string>): Promise<void>;
  consume(spec: QueueSpec, handler: MessageHandler, options?: ConsumeOptions): Promise<Subscription>;
  subscribe(key: string, handler: MessageHandler): Promise<Subscription>;
  /** Ready (not yet delivered) messages and consumers of a declared queue; zeros for an unknown one. */
  queueStats(queue: string): Promise<QueueStats>;
  /** Resolves while the broker connection is up; rejects when it is down (readiness). */
  ping(): Promise<void>;
  /** Messages that exhausted maxDeliveries, for inspection. */
  deadLetters(queue: string): Promise<BrokerMessage[]>;
  close(): Promise<void>;
}

/** Prefetch when a consumer names none. */
export const DEFAULT_PREFETCH = 1;
/** Deliveries before dead-lettering when a consumer names none (RabbitMQ 4's default limit). */
export const DEFAULT_MAX_DELIVERIES = 20;

/** Consume options with defaults applied, checked the same way for every adapter. */
export function consumeSettings(options: ConsumeOptions): { prefetch: number; maxDeliveries: number } {
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  const maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
  if (!(Number.isInteger(prefetch) && prefetch >= 1))
    throw new RangeError("prefetch must be an integer >= 1");
  if (!(maxDeliveries >= 1)) throw new RangeError("maxDeliveries must be >= 1");
  return { prefetch, maxDeliveries };
}
