import request from 'supertest';
import { freePort } from '../../src/local/ports';
import { startAppStack, type AppStack } from '../helpers/app-stack';

describe('health and error shape', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  it('reports every dependency ok when Temporal, MongoDB and SMTP answer', async () => {
    const res = await request(stack.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', temporal: 'ok', mongo: 'ok', smtp: 'ok' });
  });

  it('answers 503 naming the dependency that does not answer', async () => {
    const deadSmtp = await startAppStack({ smtpUrl: `smtp://127.0.0.1:${await freePort()}` });
    try {
      const res = await request(deadSmtp.app).get('/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'failing', temporal: 'ok', mongo: 'ok', smtp: 'failing' });
    } finally {
      await deadSmtp.stop();
    }
  });

  it('serves the web console on the same port, under a fresh CSP nonce per page', async () => {
    const root = await request(stack.app).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const [page, again] = await Promise.all([
      request(stack.app).get('/console/lists/anything'),
      request(stack.app).get('/console/'),
    ]);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Consentflow</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    const nonce = /'nonce-([^']+)'/.exec(page.headers['content-security-policy'] ?? '')![1]!;
    expect(page.text).toContain(`nonce="${nonce}"`);
    expect(page.text).not.toContain('__CSP_NONCE__');
    expect(again.headers['content-security-policy']).not.toContain(nonce);
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.text)![1]!;
    const js = await request(stack.app).get(asset);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    const missing = await request(stack.app).get('/console/assets/nothing.js');
    expect(missing.status).toBe(404);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await request(stack.app).get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { id: 'not_found', message: expect.any(String) } });
  });

  it('refuses platform routes without the platform token', async () => {
    const res = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .send({ tenantId: 'acme0001' });
    expect(res.status).toBe(401);
    expect(res.body.error.id).toBe('unauthorized');
    const wrong = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .set('Authorization', 'Bearer not-the-token')
      .send({ tenantId: 'acme0001' });
    expect(wrong.status).toBe(401);
  });

  it('rejects malformed JSON, wrong content types, unknown fields and operator injection with 4xx', async () => {
    const post = () =>
      request(stack.app)
        .post('/api/v1/diagnostics/encryption-probe')
        .set('Authorization', `Bearer ${stack.platformToken}`);

    const badJson = await post().set('Content-Type', 'application/json').send('{"tenantId": ');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.id).toBe('invalid_json');

    const text = await post().set('Content-Type', 'text/plain').send('tenantId=acme0001');
    expect(text.status).toBe(415);
    expect(text.body.error.id).toBe('unsupported_media_type');

    const unknown = await post().send({ tenantId: 'acme0001', extra: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.id).toBe('invalid_request');

    const injection = await post().send({ tenantId: { $gt: '' } });
    expect(injection.status).toBe(400);

    const reserved = await post().send({ tenantId: 'platform' }); // the platform's payload key id
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.id).toBe('invalid_request');

    const tooLarge = await post().send({ tenantId: 'a'.repeat(200_000) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.id).toBe('body_too_large');
  });
});
