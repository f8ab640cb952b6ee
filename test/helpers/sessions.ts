/** Console sessions through the real API: logins, first-login password changes, users. */
import type { Express } from 'express';
import request from 'supertest';
import { uniqueSuffix } from './services';

/** The initial password buildTenant gives a tenant's first admin. */
export const INITIAL_ADMIN_PASSWORD = 'correct horse battery staple';

/** A logged-in console session: a cookie-keeping agent and its CSRF token. */
export interface Session {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  userId: string;
  email: string;
  password: string;
}

/** Logs in; throws unless the API answers 200 with a session. */
export async function login(app: Express, email: string, password: string): Promise<Session> {
  const agent = request.agent(app);
  const res = await agent.post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200 || !res.body.csrfToken)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, csrf: res.body.csrfToken, userId: res.body.user.id, email, password };
}

/** Logs in and changes the password to a fresh one (first login). */
export async function loginAndSetPassword(
  app: Express,
  email: string,
  initialPassword: string,
): Promise<Session> {
  const session = await login(app, email, initialPassword);
  const password = `fresh passphrase ${uniqueSuffix()}`;
  const res = await session.agent
    .post('/api/v1/auth/password')
    .set('X-CSRF-Token', session.csrf)
    .send({ currentPassword: initialPassword, newPassword: password });
  if (res.status !== 204)
    throw new Error(`password change failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...session, password };
}

/** Creates a user through the admin's session; returns its id, email and initial password. */
export async function buildUser(
  admin: Session,
  permissions: { features: string[]; lists?: 'all' | string[]; fields?: Record<string, string> },
) {
  const email = `user-${uniqueSuffix()}@example.test`;
  const initialPassword = `initial passphrase ${uniqueSuffix()}`;
  const res = await admin.agent
    .post('/api/v1/users')
    .set('X-CSRF-Token', admin.csrf)
    .send({
      email,
      initialPassword,
      permissions: { lists: 'all', fields: { '*': 'edit' }, ...permissions },
    });
  if (res.status !== 201)
    throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, email, initialPassword };
}
