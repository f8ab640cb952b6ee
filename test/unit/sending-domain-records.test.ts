/**
 * The pure rules of sending domains: which names may be one, and when a published DKIM TXT
 * record carries a domain's key (tags compared, not text).
 */
import { isSendingDomainName } from '../../src/domain/sending-domain-name';
import { dkimTags, judgeDkimRecords } from '../../src/mail/dkim-record';

const expected = 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAexpected';

describe('sending domain names', () => {
  it.each([
    'example.com',
    'mail.example.co.uk',
    'news-letter.example.test',
    'xn--bcher-kva.example',
  ])('accepts %s', (name) => expect(isSendingDomainName(name)).toBe(true));
  it.each([
    '',
    'localhost',
    'example',
    'exa_mple.com',
    'example.com.',
    '-bad.example.com',
    'a b.example.com',
    '127.0.0.1',
    `${'a'.repeat(64)}.example.com`,
    `${'abcdefghi.'.repeat(25)}example.com`,
  ])('refuses %j', (name) => expect(isSendingDomainName(name)).toBe(false));
});

describe('judging published DKIM records', () => {
  it('matches the record as given, reordered, spaced or without its optional tags', () => {
    expect(judgeDkimRecords([expected], expected)).toBe('match');
    expect(
      judgeDkimRecords(
        ['k=rsa;p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA expected ; v=DKIM1'],
        expected,
      ),
    ).toBe('match');
    expect(
      judgeDkimRecords(['p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAexpected'], expected),
    ).toBe('match');
    expect(judgeDkimRecords(['v=spf1 -all', expected], expected)).toBe('match');
  });

  it('calls a name without a DKIM record missing', () => {
    expect(judgeDkimRecords([], expected)).toBe('missing');
    expect(judgeDkimRecords(['v=spf1 -all', 'google-site-verification=abc'], expected)).toBe(
      'missing',
    );
  });

  it('calls another key, another key type, another version or a revoked key a mismatch', () => {
    expect(judgeDkimRecords(['v=DKIM1; k=rsa; p=MIIBother'], expected)).toBe('mismatch');
    expect(judgeDkimRecords([expected.replace('k=rsa', 'k=ed25519')], expected)).toBe('mismatch');
    expect(judgeDkimRecords([expected.replace('DKIM1', 'DKIM2')], expected)).toBe('mismatch');
    expect(judgeDkimRecords(['v=DKIM1; k=rsa; p='], expected)).toBe('mismatch');
  });

  it('reads tags with lower-cased names and no spaces in values', () => {
    expect(Object.fromEntries(dkimTags(' V=DKIM1 ; P=ab cd '))).toEqual({ v: 'DKIM1', p: 'abcd' });
  });
});
