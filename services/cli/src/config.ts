import { homedir } from "node:os";
import { join } from "node:path";

/** The CLI's environment, read once. Flags override URL and token. */
export interface CliEnv {
  url: string;
  token?: string;
  /** Where unfinished uploads are remembered so that running the same command again resumes them. */
  stateDir: string;
  interactive: boolean;
  /** Progress bars (a terminal on stderr) or plain lines. */
  tty: boolean;
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  const stateHome = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return {
    url: env.CLIPZY_URL || "http://localhost:8000",
    token: env.CLIPZY_TOKEN || undefined,
    stateDir: env.CLIPZY_STATE_DIR || join(stateHome, "clipzy"),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    tty: Boolean(process.stderr.isTTY),
  };
}
