import { ConfigError } from "@clipzy/platform/config";
import { installLastResort } from "@clipzy/platform/last-resort";
import { shutdownTelemetry } from "@clipzy/platform/telemetry";
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
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = config.DRAIN_TIMEOUT_SECONDS * 1000;
    // Bounded whatever is still open (a stuck stream, a client that never finishes its upload);
    // armed first, so nothing after it (not even a log write to a closed stdout) can stop the exit.
    setTimeout(() => {
      try {
        engine.log.error({ deadline_ms: deadlineMs }, "drain deadline passed; exiting with work still open");
      } finally {
        process.exit(1);
      }
    }, deadlineMs).unref();
    engine.log.info({ signal, deadline_ms: deadlineMs }, "draining");
    await engine.stop();
    await shutdownTelemetry();
    engine.log.info("drained");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error("the engine failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
