/** Key rules shared by every object-store adapter, so a key valid in one is valid in all. */
export class InvalidObjectKeyError extends Error {
  readonly code = "invalid_object_key";
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = "InvalidObjectKeyError";
  }
}

/** Top-level segment reserved for adapters' temporary files. */
export const RESERVED_PREFIX = ".tmp";

const MAX_KEY_LENGTH = 1024;

function checkSegments(key: string, segments: string[]): void {
  for (const s of segments) {
    if (s === "") throw new InvalidObjectKeyError(key, "empty path segment");
    if (s === "." || s === "..") throw new InvalidObjectKeyError(key, `"${s}" segment not allowed`);
  }
}

function checkChars(key: string): void {
  if (key.length > MAX_KEY_LENGTH)
    throw new InvalidObjectKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith("/")) throw new InvalidObjectKeyError(key, "absolute paths not allowed");
  if (key.includes("\\")) throw new InvalidObjectKeyError(key, "backslash not allowed");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw new InvalidObjectKeyError(key, "control characters not allowed");
  const first = key.split("/", 1)[0];
  if (first === RESERVED_PREFIX) throw new InvalidObjectKeyError(key, `"${RESERVED_PREFIX}/" is reserved`);
}

/** A `/`-separated relative path: no empty, `.` or `..` segments, no leading `/`, no backslash or control characters. */
export function validateKey(key: string): string {
  if (typeof key !== "string" || key === "") throw new InvalidObjectKeyError(String(key), "empty key");
  checkChars(key);
  checkSegments(key, key.split("/"));
  return key;
}

/**
 * A listing prefix: "" (everything), or a key-like string optionally ending in `/`
 * (`artifacts/job_1/` lists that folder; `artifacts/job_1/out` matches names starting so).
 */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== "string") throw new InvalidObjectKeyError(String(prefix), "prefix must be a string");
  if (prefix === "") return prefix;
  checkChars(prefix);
  const segments = prefix.split("/");
  if (prefix.endsWith("/")) segments.pop();
  checkSegments(prefix, segments);
  return prefix;
}
