/** 4 attempts: the first, then 3 retries with exponential backoff (base, 2·base, 4·base). */
export const MAX_ATTEMPTS = 4;

export function retryDelayMs(attemptsMade: number, baseMs: number): number | null {
  if (attemptsMade >= MAX_ATTEMPTS) return null;
  return baseMs * 2 ** (attemptsMade - 1);
}
