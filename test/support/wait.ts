/**
 * Waiting and sleeping for every test: the end-to-end tests in test/ and the services' unit and
 * contract tests, which import it by relative path (`../../../test/support/wait.js`; it has no
 * dependencies, so any package's test can). One poll loop, so every timeout says what was awaited.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Give up after this long. Default 60 s. */
  timeoutMs?: number;
  /** Pause between checks. Default 25 ms. */
  intervalMs?: number;
  /** Appended to the timeout's message, e.g. where the logs are or the last state seen. */
  detail?: () => string;
}

type Falsy = false | 0 | "" | null | undefined;

/**
 * Runs `check` until it returns a truthy value and resolves to that value; past the deadline it
 * throws `timed out after N s waiting for <what>`. An error thrown by `check` ends the wait (a
 * check that may fail while it is not yet true catches its own errors).
 * `options` is the timeout in milliseconds or WaitOptions.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Falsy | Promise<T | Falsy>,
  options: number | WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = 60_000,
    intervalMs = 50,
    detail,
  } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const more = detail?.();
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${more ? `; ${more}` : ""}`);
    }
    await sleep(intervalMs);
  }
}
