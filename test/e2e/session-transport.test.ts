/**
 * Session lifetime and transport against the real servers: idle and absolute timeouts
 * (short ones configured for the test), and HTTPS: the api served with a certificate
 * answers TLS only, marks its session cookie Secure, and sends HSTS.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate as generateCertificate } from 'selfsigned';
import request from 'supertest';
import https from 'node:https';
import { listen } from '../../src/api/listen';
import { freePort } from '../../src/local/ports';
import { spawnEntry, type Spawned } from '../helpers/processes';
import { ConfigError, loadConfig } from '../../src/config';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  login,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('session timeouts', () => {
  let stack: AppStack;
  const email = `admin-${uniqueSuffix()}@example.test`;
  let password: string;
  beforeAll(async () => {
    stack = await startAppStack({
      env: { CONSENTFLOW_SESSION_IDLE_SECONDS: '4', CONSENTFLOW_SESSION_MAX_SECONDS: '9' },
    });
    await buildTenant(stack.app, stack.platformToken, { email });
    ({ password } = await loginAndSetPassword(stack.app, email, INITIAL_ADMIN_PASSWORD));
  });
  afterAll(() => stack?.stop());

  it('ends a session left idle past the idle timeout (expiry enforced at read)', async () => {
    const session = await login(stack.app, email, password);
    expect((await session.agent.get('/api/v1/users')).status).toBe(200);
    await sleep(4500);
    const expired = await session.agent.get('/api/v1/users');
    expect(expired.status).toBe(401);
  });

  it('ends a busy session at the absolute timeout', async () => {
    const session = await login(stack.app, email, password);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await session.agent.get('/api/v1/users')).status);
      await sleep(1000);
    }
    // Kept alive by use (idle 4 s) past the idle timeout, until 9 s after login. The cookie's
    // Expires has whole seconds, so the idle timeout needs a margin over the 1 s between requests.
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(401);
    // The ended session's cookie does not stand in the way of a new login.
    const again = await session.agent.post('/api/v1/auth/login').send({ email, password });
    expect(again.status).toBe(200);
    expect((await session.agent.get('/api/v1/users')).status).toBe(200);
  });
});

describe('HTTPS', () => {
  let stack: AppStack;
  let server: Server;
  let base: string;
  const email = `admin-${uniqueSuffix()}@example.test`;
  let tls: { certFile: string; keyFile: string };

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cf-tls-'));
    const pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    tls = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    await writeFile(tls.certFile, pems.cert);
    await writeFile(tls.keyFile, pems.private, { mode: 0o600 });
    stack = await startAppStack({
      env: { CONSENTFLOW_TLS_CERT: tls.certFile, CONSENTFLOW_TLS_KEY: tls.keyFile },
    });
    server = await listen(stack.app, { port: 0, host: '127.0.0.1', tls });
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await buildTenant(stack.app, stack.platformToken, { email });
  });
  afterAll(async () => {
    server?.close();
    server?.closeAllConnections();
    await stack?.stop();
  });

  /** The first admin, logged in over HTTPS with the password changed. */
  let admin: Session | undefined;
  async function adminSession(): Promise<Session> {
    if (admin) return admin;
    const agent = request.agent(base).disableTLSCerts();
    const first = await agent
      .post('/api/v1/auth/login')
      .send({ email, password: INITIAL_ADMIN_PASSWORD });
    const password = `https passphrase ${uniqueSuffix()}`;
    await agent
      .post('/api/v1/auth/password')
      .set('X-CSRF-Token', first.body.csrfToken)
      .send({ currentPassword: INITIAL_ADMIN_PASSWORD, newPassword: password });
    admin = { agent, csrf: first.body.csrfToken, userId: first.body.user.id, email, password };
    return admin;
  }

  it('sets a Secure host-only session cookie and HSTS over HTTPS', async () => {
    const res = await request(base)
      .post('/api/v1/auth/login')
      .disableTLSCerts()
      .send({ email, password: INITIAL_ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const cookie = res.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^__Host-cf_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");

    // The session works over HTTPS with that cookie.
    const sid = cookie.split(';')[0]!;
    const me = await request(base).get('/api/v1/auth/session').disableTLSCerts().set('Cookie', sid);
    expect(me.status).toBe(200);
  });

  it('does not speak plain HTTP at all, so the cookie can never travel in clear', async () => {
    const plain = base.replace('https:', 'http:');
    await expect(request(plain).get('/healthz').timeout(5000)).rejects.toThrow();
  });

  describe('a second api process (src/server.ts) on the same database, with the certificate', () => {
    let api: Spawned;
    let apiBase: string;
    const get = (url: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
        (resolve, reject) => {
          const req = https.get(url, { rejectUnauthorized: false, headers }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          });
          req.on('error', reject);
        },
      );
    beforeAll(async () => {
      const port = await freePort();
      api = spawnEntry('src/server.ts', {
        ...stack.env,
        PORT: String(port),
        CONSENTFLOW_LOG_LEVEL: 'info',
        CONSENTFLOW_TLS_CERT: tls.certFile,
        CONSENTFLOW_TLS_KEY: tls.keyFile,
      });
      await api.waitFor(/api listening/, 90_000);
      apiBase = `https://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      api?.child.kill('SIGTERM');
      await api?.exit;
    });

    it('serves HTTPS only, with HSTS', async () => {
      const health = await get(`${apiBase}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
      await expect(
        request(apiBase.replace('https:', 'http:')).get('/healthz').timeout(5000),
      ).rejects.toThrow();
    });

    it('shares sessions and brute-force counts with the first process', async () => {
      const created = await buildUser(await adminSession(), { features: ['contacts.view'] });
      const res = await request(base)
        .post('/api/v1/auth/login')
        .disableTLSCerts()
        .send({ email: created.email, password: created.initialPassword });
      const cookie = res.headers['set-cookie']![0]!.split(';')[0]!;
      const me = await get(`${apiBase}/api/v1/auth/session`, { Cookie: cookie });
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body).user.id).toBe(created.id);

      for (let i = 0; i < 3; i++) {
        const failed = await request(base)
          .post('/api/v1/auth/login')
          .disableTLSCerts()
          .send({ email: created.email, password: 'wrong password' });
        expect(failed.status).toBe(401);
      }
      const elsewhere = await request(apiBase)
        .post('/api/v1/auth/login')
        .disableTLSCerts()
        .send({ email: created.email, password: created.initialPassword });
      expect(elsewhere.status).toBe(429);
    });
  });

  it('requires both TLS files', () => {
    expect(() => loadConfig({ CONSENTFLOW_TLS_CERT: tls.certFile })).toThrow(ConfigError);
    expect(
      loadConfig({ CONSENTFLOW_TLS_CERT: tls.certFile, CONSENTFLOW_TLS_KEY: tls.keyFile }).tls,
    ).toEqual(tls);
  });
});

describe('security headers over plain HTTP', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  it('sends helmet headers on every response but no HSTS', async () => {
    for (const url of ['/healthz', '/', '/api/v1/nothing']) {
      const res = await request(stack.app).get(url);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });
});
