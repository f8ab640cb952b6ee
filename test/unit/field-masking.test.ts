import { fieldMask, MASK, uneditableFields } from '../../src/auth/field-masking';
import type { Permissions } from '../../src/auth/principal';

const permissions = (fields: Permissions['fields']): Permissions => ({
  features: [],
  lists: 'all',
  fields,
});

describe('field masking', () => {
  it('masks a field without view access and lists it once', () => {
    const mask = fieldMask(permissions({ email: 'none', phone: 'view', '*': 'edit' }));
    expect(mask.show('email', 'ada@example.test')).toBe(MASK);
    expect(mask.show('email', 'alan@example.test')).toBe(MASK);
    expect(mask.show('phone', '+4930123456')).toBe('+4930123456');
    expect(mask.show('plan', 'gold')).toBe('gold');
    expect(mask.masked()).toEqual(['email']);
  });

  it('treats fields not named, without a default, as hidden', () => {
    const mask = fieldMask(permissions({ email: 'view' }));
    expect(mask.show('lastName', 'Lovelace')).toBe(MASK);
    expect(mask.show('email', 'ada@example.test')).toBe('ada@example.test');
  });

  it('leaves absent values null without marking them masked', () => {
    const mask = fieldMask(permissions({}));
    expect(mask.show('phone', null)).toBeNull();
    expect(mask.masked()).toEqual([]);
  });

  it('allows edits only of fields with edit access', () => {
    const p = permissions({ firstName: 'edit', lastName: 'view', '*': 'none' });
    expect(uneditableFields(p, ['firstName', 'lastName', 'plan'])).toEqual(['lastName', 'plan']);
  });
});
