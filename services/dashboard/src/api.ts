import { ApiError, createClipzyClient } from "@clipzy/client";

/** The token lives only in this tab's sessionStorage (never localStorage, never a cookie). */
const TOKEN_KEY = "clipzy.token";

export const getToken = (): string | undefined => sessionStorage.getItem(TOKEN_KEY) ?? undefined;
export function setToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export const client = createClipzyClient({ baseUrl: location.origin, token: getToken });

/** A media URL a <video> can load: it cannot send headers, so the token goes in `access_token`. */
export function mediaUrl(path: string): string {
  const token = getToken();
  return client.url(path) + (token ? `?access_token=${encodeURIComponent(token)}` : "");
}

/** Listeners told when the engine answers 401, so the app can ask for a token. */
const unauthorized = new Set<() => void>();
export const onUnauthorized = (fn: () => void) => {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
};

/** The message to show for an error: the API's own. A 401 also asks for a token. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) for (const fn of unauthorized) fn();
  return (err as Error)?.message ?? String(err);
}
