import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Route } from "@clipzy/contracts";
import { context } from "@opentelemetry/api";
import type { Broker, BrokerMessage, ConsumeOptions, QueueSpec, Subscription } from "./broker/port.js";
import { injectTrace, messageContext } from "./telemetry.js";

/** Milliseconds since the epoch when a message was published (stage workers report queue waits from it). */
export const PUBLISHED_AT_HEADER = "x-published-at";

/**
 * Typed publish/consume over the broker port: protobuf binary bodies, one Route per message type.
 * Every message carries the publisher's trace context (W3C traceparent header), and every handler
 * runs in it, on any broker: one job is one trace across services.
 */
export function publish<S extends DescMessage>(
  broker: Broker,
  route: Route<S>,
  message: MessageInitShape<S>,
  headers: Record<string, string> = {},
): Promise<void> {
  const body = toBinary(route.schema, create(route.schema, message));
  return broker.publish(
    route.key,
    body,
    injectTrace({
      "content-type": "application/x-protobuf",
      type: route.schema.typeName,
      [PUBLISHED_AT_HEADER]: String(Date.now()),
      ...headers,
    }),
  );
}

export function decode<S extends DescMessage>(route: Route<S>, msg: BrokerMessage): MessageShape<S> {
  return fromBinary(route.schema, msg.body);
}

/** Handlers keyed by routing key; a message whose key has no handler is acked and dropped. */
export type RouteHandlers = Record<string, (msg: BrokerMessage) => Promise<void>>;

export function on<S extends DescMessage>(
  route: Route<S>,
  handler: (message: MessageShape<S>, raw: BrokerMessage) => Promise<void>,
): RouteHandlers {
  return { [route.key]: (raw) => handler(decode(route, raw), raw) };
}

export function consumeRoutes(
  broker: Broker,
  queue: QueueSpec,
  handlers: RouteHandlers,
  options?: ConsumeOptions,
): Promise<Subscription> {
  return broker.consume(
    queue,
    async (msg) => {
      const handler = handlers[msg.key];
      if (handler) await context.with(messageContext(msg.headers), () => handler(msg));
    },
    options,
  );
}
