import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./support/engine.js";
import { expectError } from "./support/shapes.js";

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function expectRateLimited(res: { status: number; body: any; headers: Headers }, limit: number): void {
  expectError(res, 429, "rate_limited");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get("ratelimit-policy")).toBe(`${limit};w=60`);
}

describe("rate limiting per token", () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine({
      API_KEYS: "tok_alpha:tenant_a,tok_beta:tenant_b",
      RATE_LIMIT_PER_MINUTE: "5",
    });
  });
  afterAll(() => engine?.cleanup());

  it("answers 429 rate_limited with Retry-After after the limit, per token", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await engine.api("/api/v1/jobs", bearer("tok_alpha"));
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit")).toMatch(new RegExp(`limit=5, remaining=${4 - i}, reset=\\d+`));
    }
    expectRateLimited(await engine.api("/api/v1/jobs", bearer("tok_alpha")), 5);
    expectRateLimited(await engine.api("/api/v1/videos", bearer("tok_alpha")), 5);
    // Another token has its own budget.
    expect((await engine.api("/api/v1/jobs", bearer("tok_beta"))).status).toBe(200);
  });

  it("counts requests without a valid token per client address", async () => {
    for (let i = 0; i < 3; i++) expectError(await engine.api("/api/v1/jobs"), 401, "unauthorized");
    for (let i = 0; i < 2; i++) {
      expectError(await engine.api("/api/v1/jobs", bearer("tok_guess")), 401, "unauthorized");
    }
    expectRateLimited(await engine.api("/api/v1/jobs", bearer("tok_guess2")), 5);
    expectRateLimited(await engine.api("/api/v1/videos"), 5);
    // A valid token is not held back by the address's budget.
    expect((await engine.api("/api/v1/videos", bearer("tok_beta"))).status).toBe(200);
  });

  it("never limits health and documentation, which need no token", async () => {
    for (let i = 0; i < 8; i++) {
      expect((await engine.api("/healthz")).status).toBe(200);
      expect((await engine.api("/api/v1/openapi.json")).status).toBe(200);
      const docs = await engine.api("/api/v1/docs");
      expect(docs.status).toBe(200);
      expect(docs.headers.get("ratelimit")).toBeNull();
    }
  });
});

describe("rate limiting in open mode", () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine({ RATE_LIMIT_PER_MINUTE: "3" });
  });
  afterAll(() => engine?.cleanup());

  it("limits by client address", async () => {
    for (let i = 0; i < 3; i++) expect((await engine.api("/api/v1/videos")).status).toBe(200);
    expectRateLimited(await engine.api("/api/v1/videos"), 3);
  });
});
