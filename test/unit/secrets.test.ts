import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensurePlatformToken, tokensMatch } from '../../src/auth/platform-token';
import { loadOrCreateLocalMasterKey } from '../../src/db/master-key';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'consentflow-secrets-'));

describe('local master key', () => {
  it('is created once with 96 random bytes readable by the owner only', async () => {
    const file = path.join(await tempDir(), 'keys', 'master-key.bin');
    const first = await loadOrCreateLocalMasterKey(file);
    const second = await loadOrCreateLocalMasterKey(file);
    expect(first).toHaveLength(96);
    expect(second.equals(first)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('gives concurrent first starts the same key', async () => {
    const file = path.join(await tempDir(), 'master-key.bin');
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateLocalMasterKey(file)),
    );
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
  });

  it('refuses a key file of the wrong size', async () => {
    const file = path.join(await tempDir(), 'master-key.bin');
    await writeFile(file, Buffer.alloc(10), { mode: 0o600 });
    await expect(loadOrCreateLocalMasterKey(file)).rejects.toThrow(/exactly 96 bytes/);
  });

  it('refuses a key file others can read', async () => {
    const file = path.join(await tempDir(), 'master-key.bin');
    await writeFile(file, Buffer.alloc(96), { mode: 0o644 });
    await expect(loadOrCreateLocalMasterKey(file)).rejects.toThrow(/chmod 600/);
  });
});

describe('platform token', () => {
  it('prefers the configured token and writes nothing', async () => {
    const file = path.join(await tempDir(), 'platform-token');
    const configured = 'x'.repeat(40);
    await expect(ensurePlatformToken(configured, file)).resolves.toEqual({
      token: configured,
      created: false,
    });
    await expect(stat(file)).rejects.toThrow();
  });

  it('is generated on first start, stored 0600, and reported as new only once', async () => {
    const file = path.join(await tempDir(), 'platform-token');
    const first = await ensurePlatformToken(undefined, file);
    const second = await ensurePlatformToken(undefined, file);
    expect(first.created).toBe(true);
    expect(second).toEqual({ token: first.token, created: false });
    expect(first.token.length).toBeGreaterThanOrEqual(40);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('compares tokens exactly', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
  });
});
