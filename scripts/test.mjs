// `npm test`: install what the tests need, build, lint, then run the whole vitest suite.
import { bootstrap, FFMPEG, pnpm } from "./bootstrap.mjs";

const TEST_TOOLS = [...FFMPEG, { command: "espeak-ng", apt: "espeak-ng" }];

bootstrap({ commands: TEST_TOOLS });
pnpm(["exec", "biome", "check", "."]);
pnpm(["exec", "buf", "lint"], { cwd: "proto" });
pnpm(["exec", "vitest", "run", ...process.argv.slice(2)]);
