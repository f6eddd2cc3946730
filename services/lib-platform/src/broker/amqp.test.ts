import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { infra, startBroker, stopBroker } from "../../../../test/support/infra.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { connectBroker } from "../connect.js";
import { AmqpBroker } from "./amqp.js";
import { brokerContract } from "./broker.contract.js";
import type { Broker } from "./port.js";

const url = () => infra().env.BROKER_URL;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
brokerContract("AmqpBroker (RabbitMQ)", () => connectBroker(url()));

describe("AmqpBroker specifics", () => {
  const names = () => {
    const id = randomUUID().slice(0, 8);
    return { q: `amqp.${id}.q`, k: `amqp.${id}.k` };
  };

  it("is chosen by an amqp:// URL; our query parameters are not passed to amqplib", async () => {
    const b = await connectBroker(`${url()}&exchange=clipzy-test-x&publishTimeoutMs=5000`);
    expect(b).toBeInstanceOf(AmqpBroker);
    const { q, k } = names();
    const got: string[] = [];
    await b.consume({ name: q, bindings: [k] }, async (m) => {
      got.push(dec(m.body));
    });
    await b.publish(k, enc("on another exchange"));
    await waitFor("delivery", () => got.length === 1);
    await b.close();
    await expect(connectBroker(`${url()}&publishTimeoutMs=-1`)).rejects.toThrow(/publishTimeoutMs/);
  });

  it("queues are durable and messages persistent: they outlive the consumer's connection", async () => {
    const { q, k } = names();
    const a = await connectBroker(url());
    await a.declareQueue({ name: q, bindings: [k] });
    await a.publish(k, enc("kept"), { h: "1" });
    await a.close();
    const ch = await (await amqp.connect(url())).createChannel();
    const info = await ch.checkQueue(q);
    expect(info.messageCount).toBe(1);
    await ch.close();
    const b = await connectBroker(url());
    const got: string[] = [];
    await b.consume({ name: q, bindings: [k] }, async (m) => {
      got.push(`${dec(m.body)}|${m.headers.h}|${m.deliveryCount}`);
    });
    await waitFor("delivery", () => got.length === 1);
    expect(got).toEqual(["kept|1|0"]);
    await b.close();
  });

  it("a message whose consumer died before acking is redelivered to another, counted as a delivery", async () => {
    const { q, k } = names();
    const a = await connectBroker(url());
    const b = await connectBroker(url());
    let started = false;
    await a.consume({ name: q, bindings: [k] }, async () => {
      started = true;
      await new Promise(() => undefined); // never settles: the process "dies" holding it
    });
    await b.declareQueue({ name: q, bindings: [k] });
    await b.publish(k, enc("task"));
    await waitFor("first delivery", () => started);
    const got: number[] = [];
    await b.consume({ name: q, bindings: [k] }, async (m) => {
      got.push(m.deliveryCount);
    });
    await a.close(); // the connection goes away with the message unacked
    await waitFor("redelivery", () => got.length === 1);
    expect(got).toEqual([1]);
    await b.close();
  });

  it("dead letters are kept in the durable queue <name>.dead, readable without consuming them", async () => {
    const { q, k } = names();
    const b = await connectBroker(url());
    await b.consume(
      { name: q, bindings: [k] },
      async () => {
        throw new Error("poison");
      },
      { maxDeliveries: 2 },
    );
    await b.publish(k, enc("bad"), { why: "x" });
    await waitFor("dead letter", async () => (await b.deadLetters(q)).length === 1);
    expect((await b.deadLetters(q)).length).toBe(1); // reading did not remove it
    const ch = await (await amqp.connect(url())).createChannel();
    expect((await ch.checkQueue(`${q}.dead`)).messageCount).toBe(1);
    await ch.close();
    await b.close();
  });

  it("survives a RabbitMQ restart: reconnects, resumes consuming, and a publish during the outage is delivered", async () => {
    const { q, k } = names();
    const events: string[] = [];
    const b: Broker = await connectBroker(url(), { onEvent: (e) => events.push(e) });
    const sub = names();
    const got: string[] = [];
    const broadcast: string[] = [];
    await b.consume({ name: q, bindings: [k] }, async (m) => {
      got.push(dec(m.body));
    });
    await b.subscribe(sub.k, async (m) => {
      broadcast.push(dec(m.body));
    });
    await b.publish(k, enc("before"));
    await waitFor("first delivery", () => got.length === 1);

    await stopBroker();
    await waitFor("disconnect noticed", () => events.includes("disconnected"));
    const during = b.publish(k, enc("during")); // waits for the broker, then for its confirm
    await sleep(500);
    await startBroker();
    await during;
    await waitFor("reconnect", () => events.includes("reconnected"), 60_000);
    await waitFor("delivery after restart", () => got.length === 2, 60_000);
    await b.publish(k, enc("after"));
    await b.publish(sub.k, enc("broadcast after"));
    await waitFor("deliveries after restart", () => got.length === 3 && broadcast.length === 1, 30_000);
    expect(got).toEqual(["before", "during", "after"]);
    await b.close();
  });
});
