/**
 * The broker port's contract: every adapter (in-memory, RabbitMQ) runs this suite.
 * Queue names and routing keys are unique per test so a shared real server never collides.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import type { Broker, BrokerMessage } from "./port.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { promise, open, fail };
}

export function brokerContract(name: string, makeBroker: () => Promise<Broker>): void {
  describe(`Broker contract: ${name}`, () => {
    const open: Broker[] = [];
    const uid = () => randomUUID().slice(0, 8);
    const names = () => {
      const id = uid();
      return { q: (s: string) => `contract.${id}.${s}`, k: (s: string) => `contract.${id}.${s}` };
    };
    async function broker(): Promise<Broker> {
      const b = await makeBroker();
      open.push(b);
      return b;
    }

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it("routes a publish to every queue bound to the key, and only those", async () => {
      const b = await broker();
      const { q, k } = names();
      const got: Record<string, string[]> = { a: [], b: [], c: [] };
      for (const [queue, key] of [
        ["a", "x"],
        ["b", "x"],
        ["c", "y"],
      ] as const) {
        await b.consume({ name: q(queue), bindings: [k(key)] }, async (m) => {
          got[queue].push(`${m.key}:${dec(m.body)}`);
        });
      }
      await b.publish(k("x"), enc("one"));
      await b.publish(k("y"), enc("sentinel"));
      await waitFor("deliveries", () => got.a.length === 1 && got.b.length === 1 && got.c.length === 1);
      expect(got.a).toEqual([`${k("x")}:one`]);
      expect(got.b).toEqual([`${k("x")}:one`]);
      // Publishes from one publisher are ordered: had "x" reached queue c it would come first.
      expect(got.c).toEqual([`${k("y")}:sentinel`]);
    });

    it("a queue with several bindings receives each bound key", async () => {
      const b = await broker();
      const { q, k } = names();
      const keys: string[] = [];
      await b.consume({ name: q("multi"), bindings: [k("a"), k("b")] }, async (m) => {
        keys.push(m.key);
      });
      await b.publish(k("a"), enc("1"));
      await b.publish(k("b"), enc("2"));
      await b.publish(k("c"), enc("3"));
      await waitFor("two deliveries", () => keys.length === 2);
      expect(keys.sort()).toEqual([k("a"), k("b")].sort());
    });

    it("declareQueue is idempotent; messages wait in a queue without consumers; headers and body arrive intact", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("wait"), bindings: [k("w")] };
      await b.declareQueue(spec);
      await b.declareQueue(spec);
      for (let i = 0; i < 3; i++) await b.publish(k("w"), enc(`m${i}`), { "x-trace": `t${i}` });
      const got: BrokerMessage[] = [];
      await b.consume(spec, async (m) => {
        got.push(m);
      });
      await waitFor("queued messages", () => got.length === 3);
      await sleep(50);
      expect(got.map((m) => dec(m.body))).toEqual(["m0", "m1", "m2"]);
      expect(got.map((m) => m.headers["x-trace"])).toEqual(["t0", "t1", "t2"]);
      expect(got.every((m) => m.deliveryCount === 0 && m.key === k("w"))).toBe(true);
    });

    it("does not route messages published before the queue was declared", async () => {
      const b = await broker();
      const { q, k } = names();
      await b.publish(k("early"), enc("lost"));
      const got: string[] = [];
      await b.consume({ name: q("late"), bindings: [k("early")] }, async (m) => {
        got.push(dec(m.body));
      });
      await b.publish(k("early"), enc("kept"));
      await waitFor("delivery", () => got.length >= 1);
      await sleep(50);
      expect(got).toEqual(["kept"]);
    });

    it("copies the body on publish", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("copy"), bindings: [k("c")] };
      await b.declareQueue(spec);
      const body = enc("original");
      await b.publish(k("c"), body);
      body.fill(0);
      const got: string[] = [];
      await b.consume(spec, async (m) => {
        got.push(dec(m.body));
      });
      await waitFor("delivery", () => got.length === 1);
      expect(got).toEqual(["original"]);
    });

    it("delivers each message to exactly one consumer of a queue, spread across consumers", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("rr"), bindings: [k("rr")] };
      const seen: Record<string, string[]> = { one: [], two: [] };
      for (const who of ["one", "two"] as const) {
        await b.consume(
          spec,
          async (m) => {
            seen[who].push(dec(m.body));
            await sleep(5);
          },
          { prefetch: 1 },
        );
      }
      const n = 20;
      for (let i = 0; i < n; i++) await b.publish(k("rr"), enc(String(i)));
      await waitFor("all messages", () => seen.one.length + seen.two.length === n);
      await sleep(50);
      const all = [...seen.one, ...seen.two];
      expect(new Set(all).size).toBe(n);
      expect(all.length).toBe(n);
      expect(seen.one.length).toBeGreaterThan(0);
      expect(seen.two.length).toBeGreaterThan(0);
    });

    it("never has more than `prefetch` unacked messages in flight per consumer", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("prefetch"), bindings: [k("p")] };
      await b.declareQueue(spec);
      const n = 10;
      for (let i = 0; i < n; i++) await b.publish(k("p"), enc(String(i)));
      let inFlight = 0;
      let maxInFlight = 0;
      let done = 0;
      await b.consume(
        spec,
        async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(20);
          inFlight--;
          done++;
        },
        { prefetch: 3 },
      );
      await waitFor("all handled", () => done === n);
      expect(maxInFlight).toBeLessThanOrEqual(3);
      expect(maxInFlight).toBeGreaterThan(1);
    });

    it("redelivers a message whose handler threw, with deliveryCount incremented, then acks it", async () => {
      const b = await broker();
      const { q, k } = names();
      const counts: number[] = [];
      const bodies: string[] = [];
      await b.consume({ name: q("retry"), bindings: [k("r")] }, async (m) => {
        counts.push(m.deliveryCount);
        bodies.push(`${dec(m.body)}|${m.headers.h}`);
        if (m.deliveryCount < 2) throw new Error("transient");
      });
      await b.publish(k("r"), enc("task"), { h: "v" });
      await waitFor("three deliveries", () => counts.length === 3);
      await sleep(300);
      expect(counts).toEqual([0, 1, 2]);
      expect(bodies).toEqual(["task|v", "task|v", "task|v"]);
      expect(await b.deadLetters(q("retry"))).toEqual([]);
    });

    it("redelivers a failed message to another consumer when the first keeps failing", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("other"), bindings: [k("o")] };
      let badCalls = 0;
      const good: number[] = [];
      await b.consume(spec, async () => {
        badCalls++;
        throw new Error("always fails");
      });
      await b.consume(spec, async (m) => {
        good.push(m.deliveryCount);
      });
      await b.publish(k("o"), enc("x"));
      await waitFor("good consumer got it", () => good.length === 1);
      expect(good[0]).toBe(badCalls);
    });

    it("dead-letters a message after maxDeliveries failed deliveries", async () => {
      const b = await broker();
      const { q, k } = names();
      const counts: number[] = [];
      await b.consume(
        { name: q("dead"), bindings: [k("d")] },
        async (m) => {
          counts.push(m.deliveryCount);
          throw new Error("poison");
        },
        { maxDeliveries: 3 },
      );
      await b.publish(k("d"), enc("poison"), { why: "test" });
      await waitFor("dead letter", async () => (await b.deadLetters(q("dead"))).length === 1);
      await sleep(300);
      expect(counts).toEqual([0, 1, 2]);
      const [dead] = await b.deadLetters(q("dead"));
      expect(dead.key).toBe(k("d"));
      expect(dec(dead.body)).toBe("poison");
      expect(dead.headers.why).toBe("test");
      expect(await b.deadLetters(q("nonexistent"))).toEqual([]);
    });

    it("cancel: no new deliveries, in-flight handlers finish (resolved = acked, rejected = redelivered)", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("cancel"), bindings: [k("c")] };
      const gateOk = gate();
      const gateFail = gate();
      const firstSeen: string[] = [];
      const sub1 = await b.consume(
        spec,
        async (m) => {
          const body = dec(m.body);
          firstSeen.push(body);
          await (body === "ok" ? gateOk.promise : gateFail.promise);
        },
        { prefetch: 2 },
      );
      await b.publish(k("c"), enc("ok"));
      await b.publish(k("c"), enc("fail"));
      await waitFor("both in flight", () => firstSeen.length === 2);

      let cancelled = false;
      const cancelling = sub1.cancel().then(() => {
        cancelled = true;
      });
      await sleep(50);
      expect(cancelled).toBe(false); // waits for in-flight handlers

      const second: BrokerMessage[] = [];
      await b.consume(spec, async (m) => {
        second.push(m);
      });
      gateOk.open();
      gateFail.fail(new Error("stopping"));
      await cancelling;
      await waitFor("unacked message redelivered", () => second.length === 1);
      expect(dec(second[0].body)).toBe("fail");
      expect(second[0].deliveryCount).toBe(1);

      await b.publish(k("c"), enc("after"));
      await waitFor("new message to remaining consumer", () => second.length === 2);
      await sleep(50);
      expect(dec(second[1].body)).toBe("after");
      expect(firstSeen).toEqual(["ok", "fail"]);
    });

    it("subscribe broadcasts every message to every live subscriber, independently of queues", async () => {
      const b = await broker();
      const { q, k } = names();
      const s1: string[] = [];
      const s2: string[] = [];
      const queued: string[] = [];
      const sub1 = await b.subscribe(k("bc"), async (m) => {
        s1.push(dec(m.body));
      });
      await b.subscribe(k("bc"), async (m) => {
        s2.push(dec(m.body));
      });
      await b.subscribe(k("other"), async () => {
        throw new Error("must not receive");
      });
      await b.consume({ name: q("bcq"), bindings: [k("bc")] }, async (m) => {
        queued.push(dec(m.body));
      });
      await b.publish(k("bc"), enc("1"));
      await b.publish(k("bc"), enc("2"));
      await waitFor("broadcast", () => s1.length === 2 && s2.length === 2 && queued.length === 2);
      expect(s1).toEqual(["1", "2"]);
      expect(s2).toEqual(["1", "2"]);
      expect(queued).toEqual(["1", "2"]);

      await sub1.cancel();
      await b.publish(k("bc"), enc("3"));
      await waitFor("remaining subscriber", () => s2.length === 3);
      await sleep(50);
      expect(s1).toEqual(["1", "2"]);
    });

    it("a failing broadcast handler does not stop later messages", async () => {
      const b = await broker();
      const { k } = names();
      const got: string[] = [];
      await b.subscribe(k("f"), async (m) => {
        got.push(dec(m.body));
        if (got.length === 1) throw new Error("boom");
      });
      await b.publish(k("f"), enc("1"));
      await b.publish(k("f"), enc("2"));
      await waitFor("second message", () => got.includes("2"));
      expect(got[0], "the failing handler saw the first").toBe("1");
    });

    it("queueStats counts ready messages and consumers; ping answers while open", async () => {
      const b = await broker();
      const { q, k } = names();
      const spec = { name: q("stats"), bindings: [k("s")] };
      await b.ping();
      expect(await b.queueStats(q("never-declared"))).toEqual({ messages: 0, consumers: 0 });
      await b.declareQueue(spec);
      for (let i = 0; i < 3; i++) await b.publish(k("s"), enc(`m${i}`));
      await waitFor("three ready messages", async () => (await b.queueStats(spec.name)).messages === 3);
      expect((await b.queueStats(spec.name)).consumers).toBe(0);
      const held = gate();
      const sub = await b.consume(spec, () => held.promise, { prefetch: 1 });
      // One delivered and unacked, two still ready, one consumer.
      await waitFor("one consumer, two ready", async () => {
        const s = await b.queueStats(spec.name);
        return s.messages === 2 && s.consumers === 1;
      });
      held.open();
      await waitFor("drained", async () => (await b.queueStats(spec.name)).messages === 0);
      await sub.cancel();
      await waitFor("consumer gone", async () => (await b.queueStats(spec.name)).consumers === 0);
    });

    it("close stops delivery and later operations fail", async () => {
      const b = await makeBroker();
      const { q, k } = names();
      const got: string[] = [];
      await b.consume({ name: q("closed"), bindings: [k("z")] }, async (m) => {
        got.push(dec(m.body));
      });
      await b.subscribe(k("z"), async (m) => {
        got.push(`sub:${dec(m.body)}`);
      });
      await b.close();
      await expect(b.publish(k("z"), enc("late"))).rejects.toThrow();
      await expect(b.ping()).rejects.toThrow();
      await sleep(100);
      expect(got).toEqual([]);
    });
  });
}
