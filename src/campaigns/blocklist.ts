/**
 * Blocklists of the link checker: the operator's (a file, reloaded when it changes) and each
 * tenant's own deny list. An entry is a domain, which blocks it and its subdomains, or a URL,
 * which blocks that address exactly (scheme, host, port, path and query; not the fragment).
 *
 * The operator's file takes one entry per line, `#` starting a comment, or the CSV that public
 * feeds of malicious URLs publish (URLhaus' `csv_online` export, say: quoted fields, a
 * commented header, the URL in one of the columns): of a CSV line, the first field that is an
 * http(s) URL is the entry.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { normalise, within } from './link-text';

/** A parsed blocklist: domains (with their subdomains) and exact URLs. */
export interface Blocklist {
  domains: readonly string[];
  urls: ReadonlySet<string>;
}

export const emptyBlocklist: Blocklist = { domains: [], urls: new Set() };

/** A domain name as an entry may give one (at least two labels, no scheme or path). */
const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** The form a URL is compared in: parsed and printed again, without its fragment. */
function comparable(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  copy.hostname = normalise(copy.hostname);
  return copy.href;
}

/** An entry as a domain or a URL, or why it is neither. */
export function parseEntry(
  raw: string,
): { domain: string } | { url: string } | { problem: string } {
  const value = raw.trim();
  if (/^https?:\/\//i.test(value)) {
    try {
      return { url: comparable(new URL(value)) };
    } catch {
      return { problem: `${value.slice(0, 100)}: not a valid URL` };
    }
  }
  const domain = normalise(value);
  if (domainPattern.test(domain)) return { domain };
  return { problem: `${value.slice(0, 100)}: neither a domain nor an http(s) URL` };
}

/** A blocklist of entries; the entries that are neither a domain nor a URL, with why. */
export function blocklistOf(entries: Iterable<string>): { list: Blocklist; problems: string[] } {
  const domains = new Set<string>();
  const urls = new Set<string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if ('domain' in parsed) domains.add(parsed.domain);
    else if ('url' in parsed) urls.add(parsed.url);
    else problems.push(parsed.problem);
  }
  return { list: { domains: [...domains], urls }, problems };
}

/** The entries of a blocklist file's text (see the file's comment for its formats). */
export function fileEntries(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    if (!trimmed.includes(',') && !trimmed.startsWith('"')) {
      entries.push(trimmed);
      continue;
    }
    let fields: string[];
    try {
      [fields = []] = parse(trimmed, {
        relax_quotes: true,
        relax_column_count: true,
      }) as string[][];
    } catch {
      continue; // a line no CSV reader takes is no entry
    }
    const url = fields.find((f) => /^https?:\/\//i.test(f.trim()));
    if (url) entries.push(url.trim());
    else if (fields.length === 1 && fields[0]) entries.push(fields[0]);
  }
  return entries;
}

/** Why `url` is on the list, if it is. */
export function listedIn(list: Blocklist, url: URL): string | undefined {
  const host = normalise(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  const domain = list.domains.find((d) => within(host, d));
  if (domain) return domain;
  const exact = comparable(url);
  return list.urls.has(exact) ? exact : undefined;
}

/**
 * The operator's blocklist: the configured hosts and the file's entries, the file read again
 * when its modification time changes (looked at no more than once per `recheckMs`), each
 * reading a new `version`.
 */
export function operatorBlocklist(options: {
  hosts: readonly string[];
  file?: string;
  recheckMs?: number;
}): { current: () => Promise<{ list: Blocklist; version: number }> } {
  const fixed = options.hosts;
  let loaded = blocklistOf(fixed).list;
  let version = 0;
  let fileMtime = -1;
  let checkedAt = -Infinity;
  const recheckMs = options.recheckMs ?? 60_000;
  return {
    async current() {
      if (!options.file || Date.now() - checkedAt < recheckMs) return { list: loaded, version };
      checkedAt = Date.now();
      const { mtimeMs } = await stat(options.file);
      if (mtimeMs !== fileMtime) {
        const entries = fileEntries(await readFile(options.file, 'utf8'));
        loaded = blocklistOf([...fixed, ...entries]).list;
        fileMtime = mtimeMs;
        version += 1; // verdicts judged by the earlier list are not reused
      }
      return { list: loaded, version };
    },
  };
}
