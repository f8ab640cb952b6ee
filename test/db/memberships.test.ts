/**
 * The membership transitions on a real contact in a real tenant database: each moves only
 * from the state it names, reports whether it matched, and leaves the membership as the
 * product reads it; the filters select the contacts they say.
 */
import {
  contactIdFor,
  type ContactDocument,
  type ListMembership,
} from '../../src/db/models/contact';
import * as memberships from '../../src/db/memberships';
import type { TenantScope } from '../../src/db/tenant-access';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('membership repository', () => {
  let stack: AppStack;
  let tenant: TenantScope;
  beforeAll(async () => {
    stack = await startAppStack();
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    tenant = await stack.data.tenants.forTenant(tenantId);
  });
  afterAll(() => stack?.stop());

  const listId = 'l00000000000000a1';
  const otherList = 'l00000000000000b2';
  const minutes = (n: number) => new Date(Date.UTC(2025, 2, 1, 10, n));

  /** A new contact with the given memberships (none: an empty `lists`). */
  async function newContact(lists: Record<string, ListMembership> = {}) {
    const email = await tenant.searchable(`member.${uniqueSuffix()}@example.test`);
    const contactId = contactIdFor(email);
    const at = new Date();
    await tenant.models.Contact.create({
      _id: contactId,
      email,
      lists,
      createdAt: at,
      updatedAt: at,
    });
    return contactId;
  }
  const read = async (contactId: string) =>
    (await tenant.models.Contact.findById(contactId).lean()) as ContactDocument | null;
  const membershipOf = async (contactId: string) => (await read(contactId))?.lists?.[listId];

  it('moves a membership pending → active → renewed → unsubscribed', async () => {
    const contactId = await newContact(
      memberships.soleMembership(listId, memberships.pendingMembership(minutes(0))),
    );
    const member = { contactId, listId };

    expect(await memberships.activate(tenant, member, minutes(1))).toEqual({
      matched: true,
      changed: true,
    });
    expect(await membershipOf(contactId)).toEqual({
      status: 'active',
      subscribedAt: minutes(0),
      confirmedAt: minutes(1),
    });
    expect((await read(contactId))?.lastActivityAt).toEqual(minutes(1));

    expect(await memberships.renew(tenant, member, minutes(2))).toEqual({
      matched: true,
      changed: true,
    });
    expect(await membershipOf(contactId)).toMatchObject({
      status: 'active',
      renewedAt: minutes(2),
    });

    expect(await memberships.unsubscribe(tenant, member, minutes(3))).toEqual({
      matched: true,
      changed: true,
    });
    expect(await membershipOf(contactId)).toEqual({
      status: 'unsubscribed',
      subscribedAt: minutes(0),
      confirmedAt: minutes(1),
      renewedAt: minutes(2),
      unsubscribedAt: minutes(3),
    });
    // Withdrawn: nothing renews it or unsubscribes it again.
    expect(await memberships.renew(tenant, member, minutes(4))).toEqual({
      matched: false,
      changed: false,
    });
    expect(await memberships.unsubscribe(tenant, member, minutes(4))).toEqual({
      matched: false,
      changed: false,
    });
    expect((await membershipOf(contactId))?.unsubscribedAt).toEqual(minutes(3));
  });

  it('activates nothing that is not pending', async () => {
    const active = await newContact(
      memberships.soleMembership(listId, memberships.activeMembership(minutes(0), minutes(1))),
    );
    expect(await memberships.activate(tenant, { contactId: active, listId }, minutes(5))).toEqual({
      matched: false,
      changed: false,
    });
    expect(await membershipOf(active)).toEqual({
      status: 'active',
      subscribedAt: minutes(0),
      confirmedAt: minutes(1),
    });
    expect((await read(active))?.lastActivityAt).toBeUndefined();

    const none = await newContact();
    expect(await memberships.activate(tenant, { contactId: none, listId }, minutes(5))).toEqual({
      matched: false,
      changed: false,
    });
    expect((await read(none))?.lists).toEqual({});
  });

  it('sets a known contact pending unless it is pending or active, and restores what was there', async () => {
    const unsubscribed: ListMembership = {
      status: 'unsubscribed',
      subscribedAt: minutes(0),
      unsubscribedAt: minutes(1),
    };
    const contactId = await newContact(memberships.soleMembership(listId, unsubscribed));
    const member = { contactId, listId };
    expect(await memberships.setPending(tenant, member, minutes(2))).toBe(true);
    expect(await membershipOf(contactId)).toEqual({ status: 'pending', subscribedAt: minutes(2) });
    expect(await memberships.setPending(tenant, member, minutes(3))).toBe(false);
    expect(await membershipOf(contactId)).toEqual({ status: 'pending', subscribedAt: minutes(2) });

    // Only the request's own membership is restored (another request's is left alone).
    expect(await memberships.restore(tenant, member, minutes(3), null)).toMatchObject({
      matched: false,
    });
    expect(await memberships.restore(tenant, member, minutes(2), unsubscribed)).toEqual({
      matched: true,
      changed: true,
    });
    expect(await membershipOf(contactId)).toEqual(unsubscribed);
  });

  it('removes a membership, whatever its status or only if never confirmed', async () => {
    const contactId = await newContact({
      [listId]: memberships.activeMembership(minutes(0), minutes(1)),
      [otherList]: memberships.pendingMembership(minutes(0)),
    });
    // Confirmed once: not removed as unconfirmed.
    expect(await memberships.removeUnconfirmed(tenant, { contactId, listId })).toMatchObject({
      matched: false,
    });
    expect(await memberships.removeUnconfirmed(tenant, { contactId, listId: otherList })).toEqual({
      matched: true,
      changed: true,
    });
    expect(Object.keys((await read(contactId))!.lists)).toEqual([listId]);

    expect(await memberships.remove(tenant, { contactId, listId }, minutes(9))).toEqual({
      matched: true,
      changed: true,
    });
    const after = await read(contactId);
    expect(after?.lists).toEqual({});
    expect(after?.updatedAt).toEqual(minutes(9));
  });

  it('ends an active membership on lapse, but not a pending one', async () => {
    const contactId = await newContact(
      memberships.soleMembership(listId, memberships.pendingMembership(minutes(0))),
    );
    expect(await memberships.lapse(tenant, { contactId, listId }, minutes(1))).toMatchObject({
      matched: false,
    });
    await memberships.activate(tenant, { contactId, listId }, minutes(2));
    expect(await memberships.lapse(tenant, { contactId, listId }, minutes(3))).toEqual({
      matched: true,
      changed: true,
    });
    expect(await membershipOf(contactId)).toMatchObject({
      status: 'unsubscribed',
      unsubscribedAt: minutes(3),
    });
  });

  it('erases a contact only while its membership is still as named', async () => {
    const pending = await newContact(
      memberships.soleMembership(listId, memberships.pendingMembership(minutes(0))),
    );
    expect(await memberships.erase(tenant, { contactId: pending, listId }, 'active')).toBe(false);
    expect(await memberships.erase(tenant, { contactId: pending, listId }, 'unconfirmed')).toBe(
      true,
    );
    expect(await read(pending)).toBeNull();

    const inserted = await newContact(
      memberships.soleMembership(listId, memberships.pendingMembership(minutes(0))),
    );
    const { createdAt } = (await read(inserted))!;
    // Still on a list: stays.
    expect(await memberships.eraseUnlisted(tenant, inserted, createdAt)).toBe(false);
    await memberships.restore(tenant, { contactId: inserted, listId }, minutes(0), null);
    expect(await memberships.eraseUnlisted(tenant, inserted, minutes(59))).toBe(false);
    expect(await memberships.eraseUnlisted(tenant, inserted, createdAt)).toBe(true);
    expect(await read(inserted)).toBeNull();
  });

  it('adds a membership in bulk only to contacts without one of the list', async () => {
    const without = await newContact();
    const withdrawn = await newContact(
      memberships.soleMembership(listId, {
        status: 'unsubscribed',
        subscribedAt: minutes(0),
        unsubscribedAt: minutes(1),
      }),
    );
    const imported = memberships.activeMembership(minutes(5));
    await tenant.models.Contact.bulkWrite(
      [without, withdrawn].map((id) => ({
        updateOne: memberships.addUnlessPresent(id, listId, imported),
      })),
    );
    expect(await membershipOf(without)).toEqual(imported);
    expect((await membershipOf(withdrawn))?.status).toBe('unsubscribed');
  });

  it('finds contacts by membership', async () => {
    const list = `l${uniqueSuffix()}${uniqueSuffix()}`; // a list of its own
    const active = await newContact(
      memberships.soleMembership(list, memberships.activeMembership(minutes(0))),
    );
    const pending = await newContact(
      memberships.soleMembership(list, memberships.pendingMembership(minutes(0))),
    );
    await newContact();
    const ids = async (filter: memberships.ContactFilter) =>
      (await tenant.models.Contact.find(filter, { _id: 1 }).lean()).map((c) => c._id).sort();
    expect(await ids(memberships.hasMembership(list))).toEqual([active, pending].sort());
    expect(await ids(memberships.activeOn(list))).toEqual([active]);
    expect(await ids(memberships.isMember(list, ['active', 'pending']))).toEqual(
      [active, pending].sort(),
    );
    expect(await ids(memberships.unconfirmedOn(list))).toEqual([pending]);
  });
});
