import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { addressPolicy } from "./address.js";
import { MAX_ATTEMPTS, retryDelayMs } from "./retry.js";
import { sign, webhookHeaders } from "./signature.js";

describe("webhook signing", () => {
  it("matches the Standard Webhooks construction", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef").toString("base64")}`;
    const expected = createHmac("sha256", Buffer.from("0123456789abcdef"))
      .update("msg_1.1700000000.{}")
      .digest("base64");
    expect(sign(secret, "msg_1", 1700000000, "{}")).toBe(`v1,${expected}`);
  });
  it("sends one signature per active secret (rotation)", () => {
    const h = webhookHeaders(["a", "b"], "id", 1, "x");
    expect(h["webhook-signature"].split(" ")).toHaveLength(2);
    expect(webhookHeaders([], "id", 1, "x")["webhook-signature"]).toBeUndefined();
  });
});

describe("retry schedule", () => {
  it("retries three times with doubling delays", () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, 100))).toEqual([100, 200, 400]);
    expect(retryDelayMs(MAX_ATTEMPTS, 100)).toBeNull();
  });
});

describe("address policy", () => {
  const open = addressPolicy([]);
  it("refuses private, loopback and link-local targets", () => {
    for (const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "0.0.0.0",
    ]) {
      expect(open(ip), ip).toBe(false);
    }
  });
  it("accepts public addresses", () => {
    expect(open("93.184.216.34")).toBe(true);
    expect(open("2606:2800:220:1:248:1893:25c8:1946")).toBe(true);
  });
  it("lets an operator allow-list admit a range", () => {
    const allowLoopback = addressPolicy(["127.0.0.0/8", "::1"]);
    expect(allowLoopback("127.0.0.1")).toBe(true);
    expect(allowLoopback("::1")).toBe(true);
    expect(allowLoopback("10.0.0.1")).toBe(false);
  });
});
