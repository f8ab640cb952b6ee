import {
  activeMembership,
  activeOn,
  addUnlessPresent,
  hasMembership,
  isMember,
  lacksMembership,
  membershipPath,
  membershipWrites,
  pendingMembership,
  soleMembership,
  unconfirmedOn,
} from '../../src/db/memberships';

const member = { contactId: 'c1', listId: 'l0123456789abcdef' };
const at = new Date('2025-03-01T10:00:00Z');
const now = new Date('2025-03-01T10:00:05Z');

describe('membership filters', () => {
  it('address the membership under the list id in the contact’s lists', () => {
    expect(membershipPath('l0123456789abcdef')).toBe('lists.l0123456789abcdef');
    expect(hasMembership('l1')).toEqual({ 'lists.l1': { $exists: true } });
    expect(lacksMembership('l1')).toEqual({ 'lists.l1': { $exists: false } });
  });

  it('match one status by equality and several with $in', () => {
    expect(activeOn('l1')).toEqual({ 'lists.l1.status': 'active' });
    expect(isMember('l1', 'pending')).toEqual({ 'lists.l1.status': 'pending' });
    expect(isMember('l1', ['active', 'pending'])).toEqual({
      'lists.l1.status': { $in: ['active', 'pending'] },
    });
  });

  it('take a membership as unconfirmed only while it has no confirmation', () => {
    expect(unconfirmedOn('l1')).toEqual({
      'lists.l1.status': { $in: ['pending', 'unsubscribed'] },
      'lists.l1.confirmedAt': { $exists: false },
    });
  });
});

describe('membership values', () => {
  it('build a pending, an active and a new contact’s sole membership', () => {
    expect(pendingMembership(at)).toEqual({ status: 'pending', subscribedAt: at });
    expect(activeMembership(at)).toEqual({ status: 'active', subscribedAt: at });
    expect(activeMembership(at, now)).toEqual({
      status: 'active',
      subscribedAt: at,
      confirmedAt: now,
    });
    expect(soleMembership('l1', pendingMembership(at))).toEqual({
      l1: { status: 'pending', subscribedAt: at },
    });
  });

  it('add a membership in bulk only where the contact has none of the list', () => {
    expect(addUnlessPresent('c1', 'l1', activeMembership(at))).toEqual({
      filter: { _id: 'c1', 'lists.l1': { $exists: false } },
      update: { $set: { 'lists.l1': { status: 'active', subscribedAt: at } } },
    });
  });
});

describe('membership transitions', () => {
  const path = `lists.${member.listId}`;

  it('set a known contact pending unless it is pending or active already', () => {
    expect(membershipWrites.setPending(member, at)).toEqual({
      filter: { _id: 'c1', [`${path}.status`]: { $nin: ['active', 'pending'] } },
      update: { $set: { [path]: { status: 'pending', subscribedAt: at }, updatedAt: at } },
    });
  });

  it('activate only a pending membership, with its confirmation time and the click as activity', () => {
    expect(membershipWrites.activate(member, at, now)).toEqual({
      filter: { _id: 'c1', [`${path}.status`]: 'pending' },
      update: {
        $set: {
          [`${path}.status`]: 'active',
          [`${path}.confirmedAt`]: at,
          lastActivityAt: at,
          updatedAt: now,
        },
      },
    });
  });

  it('renew only an active membership', () => {
    expect(membershipWrites.renew(member, at, now)).toEqual({
      filter: { _id: 'c1', [`${path}.status`]: 'active' },
      update: { $set: { [`${path}.renewedAt`]: at, lastActivityAt: at, updatedAt: now } },
    });
  });

  it('unsubscribe an active or pending membership, and lapse only an active one', () => {
    const ended = {
      $set: { [`${path}.status`]: 'unsubscribed', [`${path}.unsubscribedAt`]: at, updatedAt: now },
    };
    expect(membershipWrites.unsubscribe(member, at, now)).toEqual({
      filter: { _id: 'c1', [`${path}.status`]: { $in: ['active', 'pending'] } },
      update: ended,
    });
    expect(membershipWrites.lapse(member, at, now)).toEqual({
      filter: { _id: 'c1', [`${path}.status`]: 'active' },
      update: ended,
    });
    // A lapse is its own moment: the contact's updatedAt is the lapse's time.
    expect(membershipWrites.lapse(member, at).update).toEqual({
      $set: { [`${path}.status`]: 'unsubscribed', [`${path}.unsubscribedAt`]: at, updatedAt: at },
    });
  });

  it('remove a membership whatever its status, or only one never confirmed', () => {
    expect(membershipWrites.remove(member, now)).toEqual({
      filter: { _id: 'c1' },
      update: { $unset: { [path]: 1 }, $set: { updatedAt: now } },
    });
    expect(membershipWrites.removeUnconfirmed(member)).toEqual({
      filter: {
        _id: 'c1',
        [`${path}.status`]: { $in: ['pending', 'unsubscribed'] },
        [`${path}.confirmedAt`]: { $exists: false },
      },
      update: { $unset: { [path]: 1 } },
    });
  });

  it('restore the previous membership, or none, only while the request’s own is there', () => {
    const previous = { status: 'unsubscribed' as const, subscribedAt: at, unsubscribedAt: now };
    const mine = { _id: 'c1', [`${path}.subscribedAt`]: now };
    expect(membershipWrites.restore(member, now, previous)).toEqual({
      filter: mine,
      update: { $set: { [path]: previous } },
    });
    expect(membershipWrites.restore(member, now, null)).toEqual({
      filter: mine,
      update: { $unset: { [path]: 1 } },
    });
  });
});
