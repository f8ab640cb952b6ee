/** The console session: who is signed in, and the calls that open, change and end it. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from './client';
import type { Feature, LoginResult, Session } from './types';

/** The session, or null when nobody is signed in. */
export const sessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async (): Promise<Session | null> => {
    try {
      const session = await api<Session>('/api/v1/auth/session', { expectUnauthorized: true });
      setCsrfToken(session.csrfToken);
      return session;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },
  staleTime: 60_000,
});

export interface Credentials {
  email: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
}

export async function logIn(credentials: Credentials): Promise<LoginResult> {
  const result = await api<LoginResult>('/api/v1/auth/login', {
    method: 'POST',
    body: credentials,
    expectUnauthorized: true,
  });
  setCsrfToken(result.csrfToken);
  return result;
}

export async function logOut(): Promise<void> {
  await api('/api/v1/auth/logout', { method: 'POST', expectUnauthorized: true });
  setCsrfToken(null);
}

export const changePassword = (body: { currentPassword: string; newPassword: string }) =>
  api<void>('/api/v1/auth/password', { method: 'POST', body });

export const startTotpEnrolment = () =>
  api<{ secret: string; otpauthUrl: string; qrCode: string }>('/api/v1/auth/totp/enrol', {
    method: 'POST',
  });

export const confirmTotp = (code: string) =>
  api<{ recoveryCodes: string[] }>('/api/v1/auth/totp/confirm', {
    method: 'POST',
    body: { code },
  });

/** Whether the session's user holds a feature permission (the server still decides). */
export const can = (session: Session | null | undefined, feature: Feature) =>
  Boolean(session?.user.permissions.features.includes(feature));

/** Reads the session again now (after a login, a password change or 2FA enrolment). */
export const refreshSession = (queryClient: QueryClient) =>
  queryClient.fetchQuery({ ...sessionQuery, staleTime: 0 });
