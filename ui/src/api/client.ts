/**
 * The console's one way to call the HTTP API: same-origin JSON with the session cookie, the
 * session's CSRF token on every call that changes state, and the API's error shape turned
 * into an `ApiError` the forms can show. A 401 means the session ended: the listeners
 * registered here send the user to sign-in, who then comes back to the same page.
 */

/** The API's error body: `{ error: { id, message, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
const sessionEndedListeners = new Set<() => void>();

/** Remembers the CSRF token a login or the session read handed out. */
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

/** Called whenever the API answers 401 to a call made with the session. */
export const onSessionEnded = (listener: () => void) => {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
};

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A 401 from this call is an expected answer (sign-in), not a session that ended. */
  expectUnauthorized?: boolean;
}

/** Calls the API; resolves to the parsed JSON body (undefined for 204). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.status === 204) return undefined as T;
  const body = res.headers.get('content-type')?.includes('json')
    ? ((await res.json()) as unknown)
    : undefined;
  if (!res.ok) {
    const error = (body as { error?: { id?: string; message?: string; details?: unknown } })?.error;
    if (res.status === 401 && !options.expectUnauthorized)
      for (const listener of sessionEndedListeners) listener();
    throw new ApiError(
      res.status,
      error?.id ?? 'http_error',
      error?.message ?? `${res.status} ${res.statusText}`,
      error?.details,
    );
  }
  return body as T;
}
