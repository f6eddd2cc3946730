// Schemathesis (PyPI), the property-based API fuzzer test/fuzz.test.ts runs against the engine's own
// OpenAPI document, installed into a pinned venv of its own (scripts/venv.mjs).
//
//   node scripts/schemathesis.mjs   → installs it and prints the path of its `st` command
import { fileURLToPath } from "node:url";
import { ensureVenv } from "./venv.mjs";

export const SCHEMATHESIS_VERSION = "4.32.5";

/** The `st` command of a venv holding exactly this schemathesis version (created once, cached). */
export function ensureSchemathesis() {
  return ensureVenv([`schemathesis==${SCHEMATHESIS_VERSION}`]).bin("st");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureSchemathesis()}\n`);
}
