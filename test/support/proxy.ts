import { createServer, type Server, Socket } from "node:net";

/**
 * A TCP proxy to a local port that can cut a transfer short: after `holdAfterBytes` bytes from
 * clients it stops forwarding (the client's bytes pile up unsent, as on a dead link) until
 * `release()`. Counts the bytes it forwarded from clients.
 */
export interface HoldingProxy {
  url: string;
  forwarded(): number;
  /** Resolves once the proxy is holding. */
  holding: Promise<void>;
  /** Forwards everything from now on; connections that were held are dropped. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetPort: number, holdAfterBytes: number): Promise<HoldingProxy> {
  let forwarded = 0;
  let held = false;
  let released = false;
  let onHold: () => void = () => {};
  const holding = new Promise<void>((r) => {
    onHold = r;
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    upstream.connect(targetPort, "127.0.0.1");
    client.on("data", (chunk: Buffer) => {
      if (held && !released) return; // dropped: the link is dead
      let part = chunk;
      if (!released && forwarded + chunk.length > holdAfterBytes) {
        part = chunk.subarray(0, Math.max(0, holdAfterBytes - forwarded));
        held = true;
        onHold();
      }
      forwarded += part.length;
      if (part.length) upstream.write(part);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded: () => forwarded,
    holding,
    release() {
      released = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
      forwarded = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A loopback port nothing listens on (an engine that is not running). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
