import { createServer, type IncomingMessage } from "node:http";

export interface Received {
  /** The raw body, as signed. */
  raw: string;
  /** The body parsed as JSON. */
  body: any;
  headers: IncomingMessage["headers"];
}

export type Answer = "ok" | "fail" | "hang";

export interface Receiver {
  url: string;
  got: Received[];
  close(): void;
}

/**
 * A webhook receiver on loopback; `behaviour(n)` decides the answer to the n-th request (from 1):
 * 200, 503, or none at all.
 */
export async function startReceiver(behaviour: (n: number) => Answer = () => "ok"): Promise<Receiver> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      got.push({ raw, body: JSON.parse(raw), headers: req.headers });
      const what = behaviour(got.length);
      if (what === "ok") res.end("ok");
      else if (what === "fail") res.writeHead(503).end("down");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`,
    got,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
