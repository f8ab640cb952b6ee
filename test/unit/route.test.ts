/** The route declaration helper: strict validation, auth order, and response checking. */
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { errorHandler } from '../../src/api/middleware/error-handler';
import { AppError } from '../../src/errors';
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

/** A page: an HTML form post, failures shown as a page. */
const form = defineRoute({
  method: 'post',
  path: '/form/:id',
  tag: 'test',
  summary: 'a page taking a form post',
  auth: 'none',
  request: { body: z.strictObject({ name: z.string().max(5) }), bodyType: 'form' },
  responses: {
    200: { description: 'ok', contentType: 'text/html' },
    400: { description: 'bad input', contentType: 'text/html' },
  },
  renderError: (error, _req, res) =>
    void res.status(error.status).type('html').send(`<p>${error.id}: ${error.message}</p>`),
  handler: ({ params, body }, _req, res) => {
    if (body.name === 'gone') throw new AppError('gone', 'gone', 'it went');
    res.type('html').send(`<p>${params.id} ${body.name}</p>`);
  },
});

const app = (checkResponses: boolean) =>
  express()
    .use(express.json())
    .use(mountRoutes([echo, liar, form], {}, { checkResponses }))
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

  it('parses and strictly validates an HTML form post', async () => {
    const ok = await request(app(true)).post('/form/f1').type('form').send('name=abc');
    expect([ok.status, ok.text]).toEqual([200, '<p>f1 abc</p>']);
    for (const [body, message] of [
      ['name=abc&extra=1', 'body: unknown field extra'],
      ['name=abc&name=def', 'name: '],
      ['name=toolong', 'name: '],
      ['', 'name: '],
    ] as const) {
      const res = await request(app(true)).post('/form/f1').type('form').send(body);
      expect([body, res.status, res.type]).toEqual([body, 400, 'text/html']);
      expect(res.text).toContain(`<p>invalid_request: ${message}`);
    }
  });

  it('presents the handler’s failures and an oversized body with the route’s renderer', async () => {
    // Undeclared statuses of a page fail the check like an undeclared JSON status.
    const gone = await request(app(true)).post('/form/f1').type('form').send('name=gone');
    expect([gone.status, gone.body.error?.id]).toEqual([500, 'response_mismatch']);
    const unchecked = await request(app(false)).post('/form/f1').type('form').send('name=gone');
    expect([unchecked.status, unchecked.text]).toEqual([410, '<p>gone: it went</p>']);
    const big = await request(app(false))
      .post('/form/f1')
      .type('form')
      .send(`name=${'x'.repeat(11_000)}`);
    expect([big.status, big.text]).toEqual([
      413,
      '<p>body_too_large: request body is too large</p>',
    ]);
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
