// `npm start`: install what is needed, build, and run the engine on embedded defaults.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { bootstrap, FFMPEG, ROOT } from "./bootstrap.mjs";

bootstrap({ commands: FFMPEG });
const child = spawn(process.execPath, [join(ROOT, "services/engine/dist/main.js")], {
  stdio: "inherit",
  cwd: ROOT,
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
