/**
 * A tenant's first full API key over plain HTTP, as its admin makes one: first login, the
 * forced password change, then a key from the console session. For tests and benchmarks that
 * drive a running system (npm start) from outside: keys the platform mints see personal
 * fields masked.
 */

/** Logs in as the tenant's first admin, sets a new password and creates a key; returns it. */
export async function adminApiKey(
  base: string,
  email: string,
  initialPassword: string,
  name = 'integration',
): Promise<string> {
  let cookie = '';
  let csrf = '';
  const post = async (path: string, body: object) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(cookie ? { Cookie: cookie } : {}),
        ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
      },
      body: JSON.stringify(body),
    });
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (set.length > 0) cookie = set.join('; ');
    const text = await res.text();
    const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(answer)}`);
    if (typeof answer.csrfToken === 'string') csrf = answer.csrfToken;
    return answer;
  };
  await post('/api/v1/auth/login', { email, password: initialPassword });
  await post('/api/v1/auth/password', {
    currentPassword: initialPassword,
    newPassword: `${initialPassword} renewed ${Date.now()}`,
  });
  const { key } = await post('/api/v1/api-keys', { name });
  return key as string;
}
