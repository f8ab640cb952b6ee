/**
 * The OpenAPI document: served at /api/openapi.json, valid OpenAPI 3.1 (checked by an
 * independent validator), and complete: every route mounted on the express app, found by
 * walking its router stack, is documented, and nothing documented is missing from the app.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request from 'supertest';
import { features } from '../../src/auth/permissions';
import { startAppStack, type AppStack } from '../helpers/app-stack';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  slash?: boolean;
}

/** Every `METHOD path` the app answers, walking nested routers mounted at the root. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
          for (const p of paths) found.push(`${method.toUpperCase()} ${p}`);
      } else if (layer.handle.stack) {
        const routes = layer.handle.stack.some((inner) => inner.route);
        // Declared routes carry their full path; a router of routes under a prefix would hide it.
        if (routes && !layer.slash) throw new Error('a router with routes is mounted at a prefix');
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

describe('OpenAPI document', () => {
  let stack: AppStack;
  let doc: {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { 'x-permission'?: string; security?: unknown[]; summary?: string; operationId?: string }
      >
    >;
  };
  beforeAll(async () => {
    stack = await startAppStack();
    const res = await request(stack.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => stack?.stop());

  const documented = () =>
    Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );

  it('documents every route the app mounts, and only those', () => {
    // The web console's pages (src/api/console.ts) are the browser app, not API routes.
    const consolePages = ['GET /', 'GET /console', 'GET /console/*path'];
    const all = mountedRoutes(stack.app);
    expect(all).toEqual(expect.arrayContaining(consolePages));
    const mounted = all.filter((route) => !consolePages.includes(route));
    expect(mounted.length).toBeGreaterThan(15);
    expect(new Set(documented())).toEqual(new Set(mounted));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'openapi-'));
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    // The validator is an ES module; its CLI runs it outside jest's CommonJS runtime.
    const result = await promisify(execFile)(process.execPath, [cli, file]).catch(
      (err: { stdout: string }) => ({ stdout: err.stdout }),
    );
    expect(JSON.parse(result.stdout)).toEqual({ valid: true });
  });

  it('documents recipients’ pages as HTML, their form posts as urlencoded, without credentials', () => {
    const ops = doc.paths as unknown as Record<
      string,
      Record<
        string,
        {
          security: unknown[];
          requestBody?: { content: Record<string, unknown> };
          responses: Record<string, { content?: Record<string, unknown> }>;
        }
      >
    >;
    for (const path of ['/c/{token}', '/k/{token}', '/u/{token}', '/p/{token}', '/f/{listId}']) {
      const get = ops[path]?.get;
      expect([path, get?.security]).toEqual([path, []]);
      expect([path, Object.keys(get?.responses['200']?.content ?? {})]).toEqual([
        path,
        ['text/html'],
      ]);
      expect([path, Object.keys(get?.responses['400']?.content ?? {})]).toEqual([
        path,
        ['text/html'],
      ]);
    }
    for (const path of ['/f/{listId}', '/u/{token}'])
      expect(Object.keys(ops[path]?.post?.requestBody?.content ?? {})).toEqual([
        'application/x-www-form-urlencoded',
      ]);
  });

  const operations = () =>
    Object.values(doc.paths).flatMap((ops) =>
      Object.entries(ops).map(([method, op]) => ({ method, ...op })),
    );
  const session = (method: string) =>
    method === 'get' ? { sessionCookie: [] } : { sessionCookie: [], csrfToken: [] };

  it('names the feature permission and both credentials on every tenant route', () => {
    const tenantOps = operations().filter((op) => JSON.stringify(op.security).includes('"apiKey"'));
    expect(tenantOps.length).toBeGreaterThanOrEqual(8);
    for (const op of tenantOps) {
      expect(features).toContain(op['x-permission']);
      // An API key, or a session cookie with its CSRF token on calls that change state.
      expect(op.security).toEqual([{ apiKey: [] }, session(op.method)]);
    }
    const tenantPaths = tenantOps.map((op) => op.summary);
    expect(tenantPaths).toContain(doc.paths['/api/v1/lists/{listId}/subscriptions']!.post!.summary);
    expect(tenantPaths).toContain(doc.paths['/api/v1/lists/{listId}/consent-export']!.get!.summary);
    expect(tenantPaths).toContain(doc.paths['/api/v1/dkim']!.get!.summary);
  });

  it('documents session-only routes with the cookie and CSRF schemes', () => {
    const sessionOps = operations().filter(
      (op) => JSON.stringify(op.security) === JSON.stringify([session(op.method)]),
    );
    const names = sessionOps.map((op) => op.operationId ?? op.summary);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(doc.paths['/api/v1/api-keys']!.post!.security).toEqual([session('post')]);
    expect(doc.paths['/api/v1/auth/password']!.post!.security).toEqual([session('post')]);
    expect(doc.paths['/api/v1/auth/session']!.get!.security).toEqual([session('get')]);
    expect(doc.paths['/api/v1/users']!.post!['x-permission']).toBe('users.manage');
    expect(doc.paths['/api/v1/access-log']!.get!['x-permission']).toBe('accesslog.view');
    const schemes = (doc as unknown as { components: { securitySchemes: object } }).components
      .securitySchemes;
    expect(schemes).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      platformToken: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: expect.stringMatching(/^\S+$/) },
      csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
    });
  });
});
