import { createLogger } from "@clipzy/platform/log";
import { FsObjectStore } from "@clipzy/platform/objectstore";
import { describe, expect, it } from "vitest";
import { isLoopbackHost, parseApiKeys, start } from "./index.js";

describe("open mode is loopback only", () => {
  const deps = {
    log: createLogger("test", "silent"),
    store: new FsObjectStore({ root: "/tmp/clipzy-gateway-test" }),
    port: 0,
    upload: "127.0.0.1:1",
    jobs: "127.0.0.1:1",
    webhooks: "127.0.0.1:1",
    maxUploadBytes: 1000,
    rateLimitPerMinute: 0,
    tusDirectory: "/tmp/clipzy-gateway-test/tus",
  };

  it("refuses to listen on a non-loopback address without API keys", async () => {
    await expect(start({ ...deps, host: "0.0.0.0", tokens: new Map() })).rejects.toThrow(
      /refusing to listen on 0.0.0.0 without API keys/,
    );
  });

  it("listens on any address once keys are configured, and on loopback without", async () => {
    const keyed = await start({ ...deps, host: "0.0.0.0", tokens: parseApiKeys(["t:a"]) });
    try {
      expect(keyed.server.address()).toMatchObject({ address: "0.0.0.0", port: keyed.port });
      // it answers, and asks for the key
      const res = await fetch(`http://127.0.0.1:${keyed.port}/api/v1/jobs`);
      expect(res.status).toBe(401);
    } finally {
      await keyed.stop();
    }
    const open = await start({ ...deps, host: "127.0.0.1", tokens: new Map() });
    try {
      expect(open.server.address()).toMatchObject({ address: "127.0.0.1", port: open.port });
      expect((await fetch(`http://127.0.0.1:${open.port}/healthz`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    expect(open.server.listening).toBe(false);
  });

  it("knows loopback names and parses keys strictly", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::"].some(isLoopbackHost)).toBe(false);
    expect(parseApiKeys(["tok:with:colons:tenant"]).get("tok:with:colons")).toBe("tenant");
    expect(() => parseApiKeys(["notenant"])).toThrow(/token:tenant/);
  });
});
