// `npm test`: install what the tests need, build, lint, then run the whole vitest suite: the
// embedded project, then the distributed project (contract suites on RabbitMQ, FerretDB/MongoDB and
// MinIO, the multi-process end-to-end and fault tests) one file at a time, on real servers that
// its globalSetup starts and stops (scripts/infra.mjs; installed or built here when missing). The
// manifest checkers (kustomize, kubeconform and local schemas, hadolint; scripts/deploy-tools.mjs)
// are installed here too.
import { bootstrap, FFMPEG, fail, pnpm } from "./bootstrap.mjs";
import { ensureInfra } from "./infra.mjs";
import { ensureOtio } from "./otio.mjs";
import { photosDir } from "./photos.mjs";
import { ensureSchemathesis } from "./schemathesis.mjs";

// chromium: the dashboard tests drive Debian's browser with puppeteer-core (nothing downloads one)
const TEST_TOOLS = [
  ...FFMPEG,
  { command: "espeak-ng", apt: "espeak-ng" },
  // real music for the audio tests (services/lib-media/src/real-audio.ts)
  { file: "/usr/share/games/frozen-bubble/snd/introzik.ogg", apt: "frozen-bubble-data" },
  { command: "chromium", apt: "chromium" },
];

bootstrap({ commands: TEST_TOOLS });
pnpm(["exec", "biome", "check", "."]);
pnpm(["exec", "buf", "lint"], { cwd: "proto" });
try {
  ensureInfra();
} catch (err) {
  fail(`the real servers for the distributed tests cannot be had: ${err.message}`);
}
// Imported only now: it needs the `yaml` package, which bootstrap() has just installed.
const { ensureDeployTools } = await import("./deploy-tools.mjs");
try {
  ensureDeployTools();
} catch (err) {
  fail(`the offline checkers of k8s/ and deploy/ cannot be had: ${err.message}`);
}
// Schemathesis (PyPI, pinned) for the API fuzzing in test/fuzz.test.ts, into a venv of its own.
try {
  ensureSchemathesis();
} catch (err) {
  fail(`schemathesis (the API fuzzer) cannot be installed: ${err.message}`);
}
// Real photographs (scikit-image's wheel, pinned) as backgrounds of the generated analysis clips.
try {
  photosDir();
} catch (err) {
  fail(`scikit-image's photographs cannot be installed: ${err.message}`);
}
// OpenTimelineIO and its FCP X XML and CMX 3600 adapters (PyPI, pinned), the reference reader of the
// timeline exports in test/timeline-export.test.ts, into a venv of its own.
try {
  ensureOtio();
} catch (err) {
  fail(`OpenTimelineIO (the timeline exports' reference reader) cannot be installed: ${err.message}`);
}
const args = process.argv.slice(2);
// With file filters one of the two projects may have nothing to run.
if (args.length > 0) args.push("--passWithNoTests");
pnpm(["exec", "vitest", "run", "--project", "embedded", ...args]);
pnpm(["exec", "vitest", "run", "--project", "distributed", "--no-file-parallelism", ...args]);
