import { hasDetails, mergeContactDetails } from '../../src/db/models/contact';

describe('contact details merge', () => {
  it('replaces the fields an update has, custom fields one by one, and removes nothing', () => {
    expect(
      mergeContactDetails(
        { firstName: 'Grace', lastName: 'Brewster', custom: { team: 'navy', rank: 'lieutenant' } },
        { lastName: 'Hopper', custom: { rank: 'admiral' } },
      ),
    ).toEqual({
      firstName: 'Grace',
      lastName: 'Hopper',
      custom: { team: 'navy', rank: 'admiral' },
    });
  });

  it('removes the fields an update sets to null', () => {
    expect(
      mergeContactDetails(
        { firstName: 'Grace', lastName: 'Hopper', custom: { team: 'navy', rank: 'admiral' } },
        { lastName: null, custom: { team: null, ship: 'Harvard' } },
      ),
    ).toEqual({ firstName: 'Grace', custom: { rank: 'admiral', ship: 'Harvard' } });
    expect(mergeContactDetails({ custom: { team: 'navy' } }, { custom: { team: null } })).toEqual(
      {},
    );
  });

  it('starts from nothing for a contact without details', () => {
    expect(mergeContactDetails(undefined, { firstName: 'Ada' })).toEqual({ firstName: 'Ada' });
  });

  it('tells empty details from some', () => {
    expect(hasDetails({})).toBe(false);
    expect(hasDetails({ custom: {} })).toBe(false);
    expect(hasDetails({ custom: { team: 'navy' } })).toBe(true);
    expect(hasDetails({ lastName: 'Hopper' })).toBe(true);
  });
});
