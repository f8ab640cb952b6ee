/**
 * The access review's rules: what is flagged (never used counts from creation, disabled users
 * never), how entries end (confirmed stay, gone ones are not counted as disabled, the last
 * enabled admin is kept) and how addresses are masked in the admins' mail.
 */
import type { AccessReviewUserEntry } from '../../src/db/models/access-review';
import { keyEntries, unusedFor, userEntries } from '../../src/tenants/access-review/entries';
import { maskAddress } from '../../src/tenants/access-review/mail';
import { decideReview, outcomeCounts } from '../../src/tenants/access-review/outcome';

const now = new Date('2030-06-01T00:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const permissions = { features: ['contacts.view'], lists: 'all' as const, fields: {} };

describe('access review entries', () => {
  it('flags what was not used for the period, counting a never-used one from its creation', () => {
    expect(unusedFor(daysAgo(90), now, 90)).toBe(true);
    expect(unusedFor(daysAgo(89), now, 90)).toBe(false);
    const users = userEntries(
      [
        { _id: 'u1', permissions, createdAt: daysAgo(100) },
        { _id: 'u2', permissions, createdAt: daysAgo(100), lastLoginAt: daysAgo(5) },
        { _id: 'u3', permissions, createdAt: daysAgo(10) },
        { _id: 'u4', permissions, createdAt: daysAgo(300), disabledAt: daysAgo(200) },
      ],
      now,
      90,
    );
    expect(users.map((u) => [u.id, u.flagged, u.status])).toEqual([
      ['u1', true, 'enabled'],
      ['u2', false, 'enabled'],
      ['u3', false, 'enabled'],
      ['u4', false, 'disabled'],
    ]);
    const keys = keyEntries(
      [
        { _id: 'k1', scopes: [], createdBy: 'u1', createdAt: daysAgo(120) },
        { _id: 'k2', scopes: [], createdBy: 'u1', createdAt: daysAgo(120), lastUsedAt: now },
      ],
      now,
      90,
    );
    expect(keys.map((k) => [k.id, k.flagged])).toEqual([
      ['k1', true],
      ['k2', false],
    ]);
  });
});

describe('access review outcome', () => {
  const entry = (id: string, flagged: boolean, confirmed = false): AccessReviewUserEntry => ({
    id,
    ...permissions,
    status: 'enabled',
    createdAt: daysAgo(200),
    flagged,
    ...(confirmed ? { confirmedAt: now, confirmedBy: 'u0' } : {}),
  });

  it('disables the flagged entries nobody confirmed that are still enabled', () => {
    const decision = decideReview(
      {
        users: [entry('u1', true), entry('u2', true, true), entry('u3', false), entry('u4', true)],
        apiKeys: [{ id: 'k1', scopes: [], createdBy: 'u1', createdAt: now, flagged: true }],
      },
      {
        enabledUsers: new Set(['u1', 'u2', 'u3']),
        liveKeys: new Set(),
        admins: [{ id: 'u3', lastActive: now }],
      },
    );
    expect(decision.users.map((u) => u.outcome)).toEqual(['disabled', 'confirmed', 'kept', 'gone']);
    expect(decision.apiKeys.map((k) => k.outcome)).toEqual(['gone']);
    expect(decision.disableUsers).toEqual(['u1']);
    expect(decision.revokeKeys).toEqual([]);
    expect(outcomeCounts(decision)).toEqual({ usersDisabled: 1, apiKeysRevoked: 0, confirmed: 1 });
  });

  it('keeps the most recently active admin when every admin would be disabled', () => {
    const decision = decideReview(
      { users: [entry('u1', true), entry('u2', true)], apiKeys: [] },
      {
        enabledUsers: new Set(['u1', 'u2']),
        liveKeys: new Set(),
        admins: [
          { id: 'u1', lastActive: daysAgo(150) },
          { id: 'u2', lastActive: daysAgo(100) },
        ],
      },
    );
    expect(decision.users.map((u) => u.outcome)).toEqual(['disabled', 'kept_last_admin']);
    expect(decision.disableUsers).toEqual(['u1']);
  });
});

describe('masked addresses', () => {
  it('shows the start of the local part and the domain only', () => {
    expect(maskAddress('jonathan@example.com')).toBe('jo…@example.com');
    expect(maskAddress('ab@example.com')).toBe('a…@example.com');
    expect(maskAddress('a@example.com')).toBe('a…@example.com');
    expect(maskAddress('')).toBe('…');
  });
});
