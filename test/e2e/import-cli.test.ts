/** The import command-line client against a real api: upload, progress, rejected rows. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { spawnEntry } from '../helpers/processes';
import { testServices, uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('npm run import', () => {
  let stack: AppStack;
  let server: Server;
  beforeAll(async () => {
    stack = await startAppStack();
    server = stack.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
  });
  afterAll(async () => {
    server?.close();
    await stack?.stop();
  });

  it('uploads a file, follows the import and lists rejected rows by line', async () => {
    const { apiKey } = await buildTenant(stack.app, stack.platformToken);
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ name: 'CLI' });
    const dir = await mkdtemp(path.join(testServices().dataDir, 'cli-'));
    const file = path.join(dir, 'contacts.csv');
    const s = uniqueSuffix();
    await writeFile(
      file,
      `email,firstName\none.${s}@example.test,One\nnope,Two\nthree.${s}@example.test,Three\n`,
    );
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = spawnEntry('src/cli/import.ts', { CONSENTFLOW_API_KEY: apiKey }, [
      '--list',
      list.body.id,
      '--api',
      api,
      file,
    ]);
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('completed: 2 imported, 1 rejected of 3 rows');
    expect(run.output()).toContain('line 3: email: not a valid email address');
  });

  it('exits non-zero with a clear message for a wrong key', async () => {
    const dir = await mkdtemp(path.join(testServices().dataDir, 'cli-'));
    const file = path.join(dir, 'contacts.csv');
    await writeFile(file, 'email\na@example.test\n');
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = spawnEntry(
      'src/cli/import.ts',
      { CONSENTFLOW_API_KEY: `cfk_0000000000000000_${'A'.repeat(43)}` },
      ['--list', 'lx', '--api', api, file],
    );
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('import: a valid API key is required');
  });
});
