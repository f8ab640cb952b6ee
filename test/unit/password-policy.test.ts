/** The password policy rules, rule by rule, and granting within one's own permissions. */
import { assertWithin } from '../../src/auth/grant';
import {
  assertPasswordAllowed,
  defaultPasswordPolicy,
  effectivePolicy,
  passwordExpired,
} from '../../src/auth/password-policy';
import { hashPassword } from '../../src/auth/passwords';
import { resolveFeatures, features } from '../../src/auth/permissions';

const ruleOf = (promise: Promise<void>) =>
  promise.then(
    () => 'ok',
    (err: { id: string; message: string }) => `${err.id} ${err.message.split(':')[0]}`,
  );

describe('password policy', () => {
  const policy = { ...defaultPasswordPolicy, requiredClasses: ['upper', 'digit'] as const };

  it('names the first rule a password fails', async () => {
    const strict = { ...policy, requiredClasses: [...policy.requiredClasses] };
    expect(await ruleOf(assertPasswordAllowed(strict, 'Short1'))).toBe('password_policy length');
    expect(await ruleOf(assertPasswordAllowed(strict, `A1${'é'.repeat(40)}`))).toBe(
      'password_policy max_length',
    );
    expect(await ruleOf(assertPasswordAllowed(strict, 'no upper case 1'))).toBe(
      'password_policy classes',
    );
    expect(await ruleOf(assertPasswordAllowed(strict, 'Has Upper And 1'))).toBe('ok');
    expect(await ruleOf(assertPasswordAllowed(defaultPasswordPolicy, 'PASSWORD1234'))).toBe(
      'password_policy common',
    );
    expect(
      await ruleOf(
        assertPasswordAllowed({ ...defaultPasswordPolicy, rejectCommon: false }, 'password1234'),
      ),
    ).toBe('ok');
  });

  it('counts characters, not bytes, for the minimum length', async () => {
    expect(await ruleOf(assertPasswordAllowed(defaultPasswordPolicy, '🙂'.repeat(12)))).toBe('ok');
    expect(await ruleOf(assertPasswordAllowed(defaultPasswordPolicy, '🙂'.repeat(11)))).toBe(
      'password_policy length',
    );
  });

  it('refuses the last N passwords, the current one included, and no older one', async () => {
    const hashes = await Promise.all(
      ['current pass 1', 'older pass 2', 'oldest pass 3'].map(hashPassword),
    );
    const two = { ...defaultPasswordPolicy, historyCount: 2 };
    expect(await ruleOf(assertPasswordAllowed(two, 'current pass 1', hashes))).toBe(
      'password_policy reused',
    );
    expect(await ruleOf(assertPasswordAllowed(two, 'older pass 2', hashes))).toBe(
      'password_policy reused',
    );
    expect(await ruleOf(assertPasswordAllowed(two, 'oldest pass 3', hashes))).toBe('ok');
    expect(
      await ruleOf(assertPasswordAllowed({ ...two, historyCount: 0 }, 'current pass 1', hashes)),
    ).toBe('ok');
  });

  it('expires passwords only when a maximum age is set', () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    expect(passwordExpired(defaultPasswordPolicy, old)).toBe(false);
    expect(passwordExpired({ ...defaultPasswordPolicy, maxAgeDays: 30 }, old)).toBe(true);
    expect(passwordExpired({ ...defaultPasswordPolicy, maxAgeDays: 60 }, old)).toBe(false);
  });

  it('fills unset stored fields from the defaults', () => {
    expect(effectivePolicy({ minLength: 16 })).toEqual({ ...defaultPasswordPolicy, minLength: 16 });
    expect(effectivePolicy(undefined)).toEqual(defaultPasswordPolicy);
  });
});

describe('permissions', () => {
  it('expands * to every feature and drops unknown names', () => {
    expect(resolveFeatures(['*'])).toEqual([...features]);
    expect(resolveFeatures(['contacts.view', 'no.such'])).toEqual(['contacts.view']);
  });

  it('lets nobody grant more features, lists or field access than they hold', () => {
    const holder = {
      features: ['contacts.view', 'users.manage'] as const,
      lists: ['a', 'b'],
      fields: { email: 'view', '*': 'none' },
    } as const;
    const grant = (g: object) => () =>
      assertWithin({ features: [], lists: ['a'], fields: {}, ...g } as never, holder as never);
    expect(grant({ features: ['contacts.view'] })).not.toThrow();
    expect(grant({ features: ['contacts.edit'] })).toThrow(/features contacts.edit/);
    expect(grant({ lists: 'all' })).toThrow(/lists/);
    expect(grant({ lists: ['c'] })).toThrow(/lists/);
    expect(grant({ fields: { email: 'view' } })).not.toThrow();
    expect(grant({ fields: { email: 'edit' } })).toThrow(/fields.email/);
    expect(grant({ fields: { phone: 'view' } })).toThrow(/fields.phone/);
    expect(grant({ fields: { phone: 'none' } })).not.toThrow();
  });
});
