import { create } from "@bufbuild/protobuf";
import { NedbDocStore } from "@clipzy/platform/docstore";
import { createLogger } from "@clipzy/platform/log";
import { JobSchema } from "@clipzy/proto";
import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "../../../../test/support/wait.js";
import { Deliveries, type DeliveryDoc } from "./deliveries.js";

const job = (n: number) =>
  create(JobSchema, {
    jobId: `job_${String(n).padStart(12, "0")}`,
    tenantId: "t",
    videoId: "vid_aaaaaaaaaaaa",
    status: "completed",
    progressPercent: 100,
    webhookUrl: `https://hooks.example.com/${n}`,
  });

describe("webhook deliveries shared by two webhooks instances", () => {
  const docs = new NedbDocStore();
  afterEach(() => docs.collection("webhook_deliveries").deleteMany({}));

  /** An instance: its own Deliveries over the shared collection, sending to a slow receiver. */
  const instance = (sent: string[], leaseMs = 30_000, hang = false, failFirst = 0) =>
    new Deliveries({
      deliveries: docs.collection<DeliveryDoc>("webhook_deliveries"),
      send: async (url) => {
        sent.push(url);
        await sleep(20);
        if (hang) await new Promise(() => {}); // dies mid-send: never records the attempt
        if (sent.length <= failFirst) return { statusCode: 503, error: "HTTP 503" };
        return { statusCode: 200, error: null };
      },
      secrets: async () => ["whsec_test"],
      retryBaseMs: 100,
      leaseMs,
      log: createLogger("test", "silent"),
    });

  it("never sends the same attempt twice, whichever instance finds it due", async () => {
    const a: string[] = [];
    const b: string[] = [];
    const one = instance(a);
    const two = instance(b);
    await one.init();
    for (let n = 0; n < 20; n++) await one.enqueue(job(n));
    // both instances find the same 20 due deliveries at once (without claims: 40 sends)
    await Promise.all([one.sendDue(), two.sendDue()]);
    await Promise.all([one.sendDue(), two.sendDue()]);
    const all = [...a, ...b];
    expect(all).toHaveLength(20);
    expect(new Set(all).size).toBe(20);
    const states = (await docs.collection<DeliveryDoc>("webhook_deliveries").find({})).map((d) => [
      d.state,
      d.attempts.length,
    ]);
    expect(states).toEqual(Array.from({ length: 20 }, () => ["delivered", 1]));
  });

  it("the started loop sends on enqueue and at each retry's time, with no poll in between", async () => {
    const sent: string[] = [];
    const times: number[] = [];
    const one = instance(sent, 30_000, false, 2);
    await one.init();
    one.start(60_000); // the sweep never comes within the test: only wake-ups send
    try {
      const t0 = Date.now();
      await one.enqueue(job(1));
      // a second enqueue while the first pass is sending must not wait for the sweep either
      await sleep(5);
      await one.enqueue(job(2));
      const deliveries = docs.collection<DeliveryDoc>("webhook_deliveries");
      for (let i = 0; i < 100; i++) {
        const all = await deliveries.find({});
        if (all.length === 2 && all.every((d) => d.state === "delivered")) break;
        await sleep(20);
      }
      for (const d of await deliveries.find({})) {
        expect(d.state).toBe("delivered");
        times.push(...d.attempts.map((a) => a.at.getTime() - t0));
      }
      // job 1 failed once (503), job 2 too; both retried after retryBaseMs (100 ms), not after 60 s
      expect(sent).toHaveLength(4);
      expect(Math.max(...times)).toBeLessThan(2_000);
    } finally {
      one.stop();
    }
  });

  it("an instance that dies mid-send lets its claim lapse, and another sends the attempt", async () => {
    const dead: string[] = [];
    const alive: string[] = [];
    const dying = instance(dead, 200, true);
    const other = instance(alive, 200);
    await dying.init();
    await dying.enqueue(job(1));
    void dying.sendDue(); // hangs inside send
    await sleep(50);
    await other.sendDue();
    expect(alive).toEqual([]); // claimed by the dying instance
    await sleep(250);
    await other.sendDue();
    expect(dead).toEqual(["https://hooks.example.com/1"]);
    expect(alive).toEqual(["https://hooks.example.com/1"]);
    const [d] = await docs.collection<DeliveryDoc>("webhook_deliveries").find({});
    expect(d.state).toBe("delivered");
  });
});
