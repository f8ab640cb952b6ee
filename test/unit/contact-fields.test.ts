import { normaliseEmail } from '../../src/domain/email-address';
import { normalisePhone } from '../../src/domain/phone-number';

describe('email normal form', () => {
  it.each([
    ['  Alice.Smith@Example.COM ', 'alice.smith@example.com'],
    ['bob@bücher.example', 'bob@xn--bcher-kva.example'],
    ['BOB@XN--BCHER-KVA.EXAMPLE', 'bob@xn--bcher-kva.example'],
    ['josé@example.org', 'josé@example.org'],
  ])('normalises %p to %p', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it('gives one form to addresses that differ only in case, space or Unicode composition', () => {
    const composed = normaliseEmail('Jos\u00e9@Example.org');
    expect(normaliseEmail(' jose\u0301@example.ORG')).toBe(composed);
  });

  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@b',
    'a b@example.com',
    'a@exa mple.com',
    `${'x'.repeat(250)}@ex.com`,
  ])('refuses %p', (input) => {
    expect(normaliseEmail(input)).toBeUndefined();
  });
});

describe('phone normal form', () => {
  it('normalises international numbers to E.164', () => {
    expect(normalisePhone('+49 30 1234567')).toBe('+49301234567');
    expect(normalisePhone('+1 (415) 555-2671')).toBe('+14155552671');
  });

  it('refuses numbers without a country code or that cannot exist', () => {
    expect(normalisePhone('030 1234567')).toBeUndefined();
    expect(normalisePhone('+1 555')).toBeUndefined();
    expect(normalisePhone('call me')).toBeUndefined();
  });
});
