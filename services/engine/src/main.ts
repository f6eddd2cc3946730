import { ConfigError } from "@clipzy/platform/config";
import { drainOnSignals } from "@clipzy/platform/drain";
import { installLastResort } from "@clipzy/platform/last-resort";
import { loadEngineConfig } from "./config.js";
import { startEngine } from "./engine.js";

/** `npm start`: the whole engine in one process on embedded defaults. */
async function main(): Promise<void> {
  const config = loadEngineConfig();
  const engine = await startEngine(config);
  installLastResort(engine.log, "keep-serving");
  process.stdout.write(
    [
      "",
      `Clipzy ML Engine is running at ${engine.url} (data in ${engine.dataDir})`,
      "Try it:",
      `  curl -F "file=@my_video.mp4" ${engine.url}/api/v1/videos/upload`,
      `  curl -X POST ${engine.url}/api/v1/jobs -H "Content-Type: application/json" -d '{"video_id": "<video_id>"}'`,
      `  curl ${engine.url}/api/v1/jobs/<job_id>`,
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
  drainOnSignals({ log: engine.log, config, stop: () => engine.stop() });
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error("the engine failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
