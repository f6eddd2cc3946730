// OpenTimelineIO (PyPI, pinned) with its FCP X XML and CMX 3600 adapters, the reference reader that
// test/timeline-export.test.ts reads the timeline exports back with, in a venv of its own
// (scripts/venv.mjs).
//
//   node scripts/otio.mjs   → installs them and prints the path of the venv's python
import { fileURLToPath } from "node:url";
import { ensureVenv } from "./venv.mjs";

export const OTIO_REQUIREMENTS = [
  "opentimelineio==0.18.1",
  "otio-fcpx-xml-adapter==1.0.0",
  "otio-cmx3600-adapter==1.0.0",
];

/** The python of a venv holding exactly these versions (created once, cached). */
export function ensureOtio() {
  return ensureVenv(OTIO_REQUIREMENTS).python;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureOtio()}\n`);
}
