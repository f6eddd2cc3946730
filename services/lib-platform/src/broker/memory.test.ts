import { describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { brokerContract } from "./broker.contract.js";
import { MemoryBroker } from "./memory.js";

brokerContract("MemoryBroker", async () => new MemoryBroker({ redeliveryDelayMs: 50 }));

describe("MemoryBroker specifics", () => {
  it("never runs a handler synchronously inside publish", async () => {
    const b = new MemoryBroker();
    let calls = 0;
    await b.subscribe("k", async () => {
      calls++;
    });
    await b.consume({ name: "q", bindings: ["k"] }, async () => {
      calls++;
    });
    const p = b.publish("k", new Uint8Array([1]));
    expect(calls).toBe(0);
    await p;
    expect(calls).toBe(0);
    await sleep(20);
    expect(calls).toBe(2);
    await b.close();
  });

  it("reports a failing broadcast handler instead of swallowing it, and keeps delivering", async () => {
    const errors: [unknown, string][] = [];
    const b = new MemoryBroker({ onError: (err, what) => errors.push([err, what]) });
    const seen: number[] = [];
    await b.subscribe("k", async (m) => {
      if (m.body[0] === 1) throw new Error("handler broke");
      seen.push(m.body[0]);
    });
    await b.publish("k", new Uint8Array([1]));
    await b.publish("k", new Uint8Array([2]));
    await sleep(30);
    expect(errors.map(([e, what]) => [(e as Error).message, what])).toEqual([
      ["handler broke", "broadcast handler for k failed"],
    ]);
    expect(seen).toEqual([2]);
    await b.close();
  });

  it("waits the redelivery delay before redelivering", async () => {
    const b = new MemoryBroker({ redeliveryDelayMs: 150 });
    const at: number[] = [];
    await b.consume({ name: "q", bindings: ["k"] }, async (m) => {
      at.push(Date.now());
      if (m.deliveryCount === 0) throw new Error("once");
    });
    await b.publish("k", new Uint8Array([1]));
    await waitFor("the redelivery", () => at.length >= 2, { intervalMs: 10 });
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(140);
    await b.close();
  });

  it("rejects bad consume options", async () => {
    const b = new MemoryBroker();
    await expect(b.consume({ name: "q", bindings: [] }, async () => {}, { prefetch: 0 })).rejects.toThrow(
      RangeError,
    );
    await b.close();
  });
});
