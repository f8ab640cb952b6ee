/**
 * Compares a published DKIM TXT record with the one a key expects. Tags are compared, not
 * text: publishers add spaces, reorder tags and split long records into strings (joined by
 * the lookup), and `k` defaults to `rsa` (RFC 6376 §3.6.1).
 */

/** The verdict on the TXT records found at `<selector>._domainkey.<domain>`. */
export type DkimRecordVerdict = 'match' | 'missing' | 'mismatch';

/** The tags of one record (`v=DKIM1; k=rsa; p=...`), names lower-cased, spaces removed. */
export function dkimTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return tags;
}

/** Judges the records found against the expected record: one of them must carry its key. */
export function judgeDkimRecords(found: string[], expected: string): DkimRecordVerdict {
  const want = dkimTags(expected);
  const dkim = found.map(dkimTags).filter((t) => t.has('p'));
  if (dkim.length === 0) return 'missing';
  const matches = dkim.some(
    (t) =>
      (t.get('v') ?? 'DKIM1') === 'DKIM1' &&
      (t.get('k') ?? 'rsa').toLowerCase() === 'rsa' &&
      t.get('p') === want.get('p'),
  );
  return matches ? 'match' : 'mismatch';
}
