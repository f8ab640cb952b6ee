/**
 * Blocklist entries and files: domains block themselves and their subdomains, URLs block
 * that address exactly; a file takes one entry per line or a feed's CSV (the URL column),
 * comments skipped; the operator's file is read again when it changes.
 */
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  blocklistOf,
  fileEntries,
  listedIn,
  operatorBlocklist,
  parseEntry,
} from '../../src/campaigns/blocklist';

describe('link blocklists', () => {
  it('reads a domain or an http(s) URL, and names anything else', () => {
    expect(parseEntry(' Evil.Example. ')).toEqual({ domain: 'evil.example' });
    expect(parseEntry('https://EVIL.example/path?q=1#frag')).toEqual({
      url: 'https://evil.example/path?q=1',
    });
    expect(parseEntry('localhost')).toEqual({ problem: expect.stringContaining('localhost') });
    expect(parseEntry('ftp://x.example/')).toEqual({ problem: expect.stringContaining('ftp') });
    expect(parseEntry('http://')).toEqual({ problem: expect.stringContaining('not a valid URL') });
    expect(blocklistOf(['a.example', 'oops', 'http://b.example/x']).problems).toEqual([
      expect.stringContaining('oops'),
    ]);
  });

  it('blocks a domain with its subdomains, and a URL exactly', () => {
    const { list } = blocklistOf(['evil.example', 'https://cdn.example/bad.exe']);
    const on = (u: string) => listedIn(list, new URL(u));
    expect(on('http://evil.example/')).toBe('evil.example');
    expect(on('https://www.EVIL.example/x')).toBe('evil.example');
    expect(on('https://notevil.example/')).toBeUndefined();
    expect(on('https://cdn.example/bad.exe#top')).toBe('https://cdn.example/bad.exe');
    expect(on('https://cdn.example/bad.exe?v=2')).toBeUndefined();
    expect(on('https://cdn.example/good.png')).toBeUndefined();
  });

  it("takes entries from plain lines and from a feed's CSV, skipping comments", () => {
    const text = [
      '# a comment',
      '',
      'plain.example',
      'https://plain.example/exact',
      '# id,dateadded,url,url_status,threat',
      '"7","2026-12-01 08:00:00","http://feed.example/a.bin","online","malware_download"',
      '8,2026-12-01 09:00:00,https://feed.example/b?x=1,offline,phishing',
      '"9","2026-12-01 10:00:00","not a url","online","x"',
    ].join('\r\n');
    expect(fileEntries(text)).toEqual([
      'plain.example',
      'https://plain.example/exact',
      'http://feed.example/a.bin',
      'https://feed.example/b?x=1',
    ]);
  });

  it('reads the operator file again once it changes', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'bl-')), 'list.txt');
    await writeFile(file, 'one.example\n');
    const operator = operatorBlocklist({ hosts: ['fixed.example'], file, recheckMs: 0 });
    const first = await operator.current();
    expect(first.list.domains).toEqual(['fixed.example', 'one.example']);
    expect((await operator.current()).version).toBe(first.version); // unchanged: same version
    await writeFile(file, 'two.example\n');
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    const second = await operator.current();
    expect(second.list.domains).toEqual(['fixed.example', 'two.example']);
    expect(second.version).toBeGreaterThan(first.version);
  });
});
