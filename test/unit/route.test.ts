/** The route declaration helper: strict validation, auth order, and response checking. */
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { errorHandler } from '../../src/api/middleware/error-handler';
import { defineRoute, mountRoutes } from '../../src/api/route';
import { createLogger } from '../../src/logger';

const echo = defineRoute({
  method: 'post',
  path: '/things/:id',
  tag: 'test',
  summary: 'echo',
  auth: 'none',
  request: {
    query: z.strictObject({ q: z.string().optional() }),
    body: z.strictObject({ name: z.string() }),
  },
  responses: {
    200: { description: 'ok', schema: z.strictObject({ id: z.string(), name: z.string() }) },
  },
  handler: ({ params, body }, _req, res) => res.json({ id: params.id, name: body.name }),
});

const liar = defineRoute({
  method: 'get',
  path: '/liar',
  tag: 'test',
  summary: 'answers something else than it declares',
  auth: 'none',
  responses: { 200: { description: 'ok', schema: z.strictObject({ id: z.string() }) } },
  handler: (_input, _req, res) => res.json({ id: 1 }),
});

const app = (checkResponses: boolean) =>
  express()
    .use(express.json())
    .use(mountRoutes([echo, liar], {}, { checkResponses }))
    .use(errorHandler(createLogger('test', 'silent')));

describe('defineRoute', () => {
  it('hands the handler parsed params, query and body', async () => {
    const res = await request(app(true)).post('/things/t1?q=x').send({ name: 'a' });
    expect([res.status, res.body]).toEqual([200, { id: 't1', name: 'a' }]);
  });

  it('rejects unknown fields and parameters, repeated parameters and operator objects', async () => {
    for (const [url, body, message] of [
      ['/things/t1', { name: 'a', extra: 1 }, 'body: unknown field extra'],
      ['/things/t1?other=1', { name: 'a' }, 'query: unknown parameter other'],
      ['/things/t1?q=1&q=2', { name: 'a' }, /^q: .*expected string/],
      ['/things/t1', { name: { $gt: '' } }, /^name: .*expected string/],
    ] as const) {
      const res = await request(app(true)).post(url).send(body);
      expect([url, res.status, res.body]).toEqual([
        url,
        400,
        { error: { id: 'invalid_request', message: expect.stringMatching(message) } },
      ]);
    }
  });

  it('refuses a body on a route that takes none', async () => {
    const res = await request(app(true)).get('/liar').send({ id: 'x' });
    expect(res.status).toBe(400);
  });

  it('fails a response that contradicts its declared schema when checking', async () => {
    const checked = await request(app(true)).get('/liar');
    expect(checked.status).toBe(500);
    expect(checked.body.error.id).toBe('response_mismatch');
    expect((await request(app(false)).get('/liar')).status).toBe(200);
  });

  it('refuses a tenant route without a feature', () => {
    expect(() =>
      defineRoute({
        method: 'get',
        path: '/x',
        tag: 't',
        summary: 's',
        auth: 'tenant',
        responses: {},
        handler: () => undefined,
      }),
    ).toThrow('must name its feature');
  });

  it('lets session routes name a feature or none, and refuses one elsewhere', () => {
    const spec = (auth: 'session' | 'platform', feature?: 'users.manage') => () =>
      defineRoute({
        method: 'get',
        path: '/x',
        tag: 't',
        summary: 's',
        auth,
        feature,
        responses: {},
        handler: () => undefined,
      });
    expect(spec('session', 'users.manage')).not.toThrow();
    expect(spec('session')).not.toThrow();
    expect(spec('platform', 'users.manage')).toThrow('only tenant and session routes');
  });
});
