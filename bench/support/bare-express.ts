/** The baseline of the read benchmarks: express answering one path with a fixed JSON body. */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

// express is the gateway's dependency: resolve it from there, the same version the gateway runs
const require = createRequire(join(import.meta.dirname, "..", "..", "services", "gateway", "package.json"));
const express = require("express");
const body = JSON.parse(process.env.BARE_BODY ?? "{}");
const app = express();
app.disable("x-powered-by");
app.get(process.env.BARE_PATH ?? "/", (_req: unknown, res: { json(b: unknown): void }) => res.json(body));
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
