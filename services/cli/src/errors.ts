import { ApiError } from "@clipzy/client";

/** Exit codes, documented in `clipzy --help`. */
export const EXIT = {
  ok: 0,
  /** The engine (or the local system) refused: the API's message is printed. */
  error: 1,
  /** Unknown command or option, bad argument. */
  usage: 2,
  /** The job failed; its stage and message are printed. */
  jobFailed: 3,
  /** The job was cancelled. */
  jobCancelled: 4,
  /** Ctrl-C. */
  interrupted: 130,
} as const;

export const EXIT_HELP = `
Exit codes:
  0    success
  1    the engine refused (its message is printed), or a local file cannot be read
  2    usage error (unknown command or option, bad argument)
  3    the job failed (its stage and message are printed)
  4    the job was cancelled
  130  interrupted (Ctrl-C)

Environment:
  CLIPZY_URL    the engine's URL (default http://localhost:8000); --url overrides it
  CLIPZY_TOKEN  a bearer token from the engine's API_KEYS; --token overrides it`;

/** An error the CLI reports and exits with; `code` is the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** What to print for an error: the API's own message, with a hint where one helps. */
export function describeError(err: unknown): { message: string; hint?: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof ApiError) {
    let hint: string | undefined;
    if (err.status === 401)
      hint = "set CLIPZY_TOKEN (or pass --token) to one of the tokens in the engine's API_KEYS";
    else if (err.status === 0)
      hint = "is the engine running? Start it with `npm start`, or point CLIPZY_URL (or --url) at it";
    return { message: err.message, hint, exitCode: EXIT.error };
  }
  return { message: (err as Error)?.message ?? String(err), exitCode: EXIT.error };
}
