/**
 * No Docker engine runs in CI, so this checks what can be checked without one: the compose
 * file parses, has the services users rely on, publishes the documented ports, and gives the
 * api and worker the same configuration names the local default uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[];
  depends_on?: Record<string, unknown>;
  deploy?: { replicas?: string | number };
}

const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  it('defines real MongoDB, Temporal with its UI, Mailpit, the api and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'mailpit',
      'mongo',
      'temporal',
      'worker',
    ]);
    expect(compose.services.mongo?.image).toMatch(/^mongo:/);
    expect(compose.services.mongo?.command).toContain('--replSet');
    expect(compose.services.temporal?.image).toMatch(/^temporalio\//);
    expect(compose.services.mailpit?.image).toMatch(/^axllent\/mailpit/);
    expect(compose.services.api?.build).toBeDefined();
    expect(compose.services.worker?.build).toBeDefined();
  });

  it('publishes the documented ports', () => {
    const ports = (name: string) => compose.services[name]?.ports ?? [];
    expect(ports('api')).toContain('3000-3003:3000'); // 3000 for one replica, up to four
    expect(ports('mongo')).toContain('27017:27017');
    expect(ports('temporal')).toEqual(expect.arrayContaining(['7233:7233', '8233:8233']));
    expect(ports('mailpit')).toEqual(expect.arrayContaining(['1025:1025', '8025:8025']));
  });

  it('points the api and worker at the external services with the local configuration names', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name]?.environment ?? {};
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'PORT',
          'CONSENTFLOW_DATA_DIR',
          'CONSENTFLOW_PLATFORM_TOKEN',
          'MONGODB_URI',
          'TEMPORAL_ADDRESS',
          'SMTP_URL',
        ]),
      );
      const config = loadConfig({ ...env, CONSENTFLOW_PLATFORM_TOKEN: 'x'.repeat(32) });
      expect(config.mongo).toMatchObject({
        embedded: false,
        uri: expect.stringContaining('mongo:27017'),
      });
      expect(config.temporal).toMatchObject({ embedded: false, address: 'temporal:7233' });
      expect(config.smtp).toMatchObject({ embedded: false, url: 'smtp://mailpit:1025' });
    }
  });

  it('starts the api and worker from the built entry points', () => {
    expect(compose.services.api?.command).toEqual(['node', 'dist/src/server.js']);
    expect(compose.services.worker?.command).toEqual(['node', 'dist/src/worker.js']);
    expect(compose.services.api?.depends_on).toHaveProperty('mongo');
  });

  it('runs several workers and api replicas, as many as the environment says', () => {
    expect(compose.services.worker?.deploy?.replicas).toBe('${CONSENTFLOW_WORKERS:-2}');
    expect(compose.services.api?.deploy?.replicas).toBe('${CONSENTFLOW_API_REPLICAS:-1}');
    // Replicas of the api each need a host port of the published range.
    const [range] = compose.services.api?.ports ?? [];
    const [, from, to] = /^(\d+)-(\d+):3000$/.exec(range ?? '') ?? [];
    expect(Number(to) - Number(from) + 1).toBeGreaterThanOrEqual(2);
    // Every replica reads the generated secrets and the local master key from one volume.
    for (const name of ['api', 'worker'])
      expect((compose.services[name] as { volumes?: string[] }).volumes).toContain(
        'consentflow-data:/data',
      );
  });
});
