/**
 * List memberships: the one module that knows where a contact's membership of a list lives
 * (`lists.<listId>`, a map keyed by list id; src/db/models/contact.ts) and how each change of
 * it is written. Filters select contacts by membership; each transition is one update (or
 * delete) of one contact, conditioned on the state it moves from, and reports whether it
 * matched; the builders behind them are pure, so their filters and updates can be checked
 * without a database. A new contact gets its first membership whole (`soleMembership`).
 *
 * FerretDB 1.24 does not apply a conditional update atomically: concurrent updates of one
 * contact with the same condition can all match, each replacing the whole document, so a
 * transition's condition is exact only on MongoDB; on FerretDB two writers racing on one
 * membership may both report a match.
 */
import type { ListMembership } from './models/contact';
import type { TenantScope } from './tenant-access';

/** A membership's status. */
export type MembershipStatus = ListMembership['status'];

/** One contact's membership of one list. */
export interface MemberRef {
  contactId: string;
  listId: string;
}

/** What an update transition did: whether the condition matched and the contact changed. */
export interface TransitionResult {
  matched: boolean;
  changed: boolean;
}

/** A filter on contacts (field paths, as the driver takes them). */
export type ContactFilter = Record<string, unknown>;

/** A filter and update document for one contact: what a transition sends. */
export interface MembershipWrite {
  filter: ContactFilter;
  update: Record<string, unknown>;
}

/**
 * The field path of a contact's membership of a list. The list id becomes part of a path, so
 * it must be an id the product created (routes check the format: src/api/schemas/list-id.ts).
 */
export const membershipPath = (listId: string) => `lists.${listId}`;

const statusPath = (listId: string) => `${membershipPath(listId)}.status`;

/** Contacts with a membership of the list, whatever its status. */
export const hasMembership = (listId: string): ContactFilter => ({
  [membershipPath(listId)]: { $exists: true },
});

/** Contacts without any membership of the list. */
export const lacksMembership = (listId: string): ContactFilter => ({
  [membershipPath(listId)]: { $exists: false },
});

/** Contacts whose membership of the list has the status (or one of the statuses). */
export const isMember = (
  listId: string,
  statuses: MembershipStatus | readonly MembershipStatus[],
): ContactFilter => ({
  [statusPath(listId)]: typeof statuses === 'string' ? statuses : { $in: [...statuses] },
});

/** Contacts whose processing is not restricted (GDPR Art. 18): the only ones sends and sweeps see. */
export const unrestricted = (): ContactFilter => ({ restrictedAt: { $exists: false } });

/** Contacts whose address still takes mail (not bounced for good, no complaint). */
export const deliverable = (): ContactFilter => ({ undeliverable: { $exists: false } });

/** Contacts whose membership of the list is active. */
export const activeOn = (listId: string): ContactFilter => isMember(listId, 'active');

/**
 * Contacts whose membership of the list was never confirmed: pending, or unsubscribed from the
 * confirmation mail itself.
 */
export const unconfirmedOn = (listId: string): ContactFilter => ({
  [statusPath(listId)]: { $in: ['pending', 'unsubscribed'] },
  [`${membershipPath(listId)}.confirmedAt`]: { $exists: false },
});

/** Membership made at `at` or before (no condition without `at`). */
const subscribedNoLaterThan = (listId: string, at: Date | undefined): ContactFilter =>
  at ? { [`${membershipPath(listId)}.subscribedAt`]: { $lte: at } } : {};

/** The membership of a subscription request, not yet confirmed. */
export const pendingMembership = (subscribedAt: Date): ListMembership => ({
  status: 'pending',
  subscribedAt,
});

/** An active membership, with the confirmation's time when one is known (imports). */
export const activeMembership = (subscribedAt: Date, confirmedAt?: Date): ListMembership => ({
  status: 'active',
  subscribedAt,
  ...(confirmedAt ? { confirmedAt } : {}),
});

/** The `lists` of a new contact that belongs to one list. */
export const soleMembership = (
  listId: string,
  membership: ListMembership,
): Record<string, ListMembership> => ({ [listId]: membership });

/**
 * The bulkWrite `updateOne` of imports: adds the membership to a known contact unless it has
 * one of the list already (any status: an import never overrides a withdrawal).
 */
export const addUnlessPresent = (
  contactId: string,
  listId: string,
  membership: ListMembership,
): MembershipWrite => ({
  filter: { _id: contactId, ...lacksMembership(listId) },
  update: { $set: { [membershipPath(listId)]: membership } },
});

/**
 * The filter and update of each transition below, pure. `now` is the contact's `updatedAt`;
 * the event's own time is `at`.
 */
export const membershipWrites = {
  /** A known contact becomes pending, unless already pending or active. */
  setPending: ({ contactId, listId }: MemberRef, at: Date): MembershipWrite => ({
    filter: { _id: contactId, [statusPath(listId)]: { $nin: ['active', 'pending'] } },
    update: { $set: { [membershipPath(listId)]: pendingMembership(at), updatedAt: at } },
  }),

  /**
   * A pending membership taken over by a new request at `at` (the earlier request is being
   * erased): from now on it is the new request's, which that erasure leaves alone.
   */
  restartPending: (
    { contactId, listId }: MemberRef,
    previousAt: Date,
    at: Date,
  ): MembershipWrite => ({
    filter: {
      _id: contactId,
      [statusPath(listId)]: 'pending',
      [`${membershipPath(listId)}.subscribedAt`]: previousAt,
    },
    update: { $set: { [membershipPath(listId)]: pendingMembership(at), updatedAt: at } },
  }),

  /** Pending → active, confirmed at `at`; the click counts as the contact's activity. */
  activate: ({ contactId, listId }: MemberRef, at: Date, now = new Date()): MembershipWrite => ({
    filter: { _id: contactId, ...isMember(listId, 'pending') },
    update: {
      $set: {
        [statusPath(listId)]: 'active',
        [`${membershipPath(listId)}.confirmedAt`]: at,
        lastActivityAt: at,
        updatedAt: now,
      },
    },
  }),

  /** An active membership renewed at `at` (its consent counts from then); activity too. */
  renew: ({ contactId, listId }: MemberRef, at: Date, now = new Date()): MembershipWrite => ({
    filter: { _id: contactId, ...activeOn(listId) },
    update: {
      $set: {
        [`${membershipPath(listId)}.renewedAt`]: at,
        lastActivityAt: at,
        updatedAt: now,
      },
    },
  }),

  /** Active or pending → unsubscribed at `at` (the recipient withdrew). */
  unsubscribe: ({ contactId, listId }: MemberRef, at: Date, now = new Date()): MembershipWrite =>
    endMembership(contactId, listId, ['active', 'pending'], at, now),

  /** Active → unsubscribed at `at` (consent lapsed, or the member was pruned as inactive). */
  lapse: ({ contactId, listId }: MemberRef, at: Date, now = at): MembershipWrite =>
    endMembership(contactId, listId, 'active', at, now),

  /** The membership goes, whatever its status. */
  remove: ({ contactId, listId }: MemberRef, now: Date): MembershipWrite => ({
    filter: { _id: contactId },
    update: { $unset: { [membershipPath(listId)]: 1 }, $set: { updatedAt: now } },
  }),

  /** The membership goes if it was never confirmed (`updatedAt` stays). */
  removeUnconfirmed: ({ contactId, listId }: MemberRef, subscribedBy?: Date): MembershipWrite => ({
    filter: {
      _id: contactId,
      ...unconfirmedOn(listId),
      ...subscribedNoLaterThan(listId, subscribedBy),
    },
    update: { $unset: { [membershipPath(listId)]: 1 } },
  }),

  /**
   * Undoes `setPending` (or a new contact's first membership) of a request made at
   * `subscribedAt`: the previous membership comes back, or none. Only while the membership is
   * still that request's.
   */
  restore: (
    { contactId, listId }: MemberRef,
    subscribedAt: Date,
    previous: ListMembership | null,
  ): MembershipWrite => ({
    filter: { _id: contactId, [`${membershipPath(listId)}.subscribedAt`]: subscribedAt },
    update:
      previous === null
        ? { $unset: { [membershipPath(listId)]: 1 } }
        : { $set: { [membershipPath(listId)]: previous } },
  }),
};

function endMembership(
  contactId: string,
  listId: string,
  from: MembershipStatus | readonly MembershipStatus[],
  at: Date,
  now: Date,
): MembershipWrite {
  return {
    filter: { _id: contactId, ...isMember(listId, from) },
    update: {
      $set: {
        [statusPath(listId)]: 'unsubscribed',
        [`${membershipPath(listId)}.unsubscribedAt`]: at,
        updatedAt: now,
      },
    },
  };
}

async function apply(tenant: TenantScope, write: MembershipWrite): Promise<TransitionResult> {
  const result = await tenant.models.Contact.updateOne(write.filter, write.update);
  return { matched: result.matchedCount > 0, changed: result.modifiedCount > 0 };
}

/** Sets a known contact pending on the list unless pending or active; whether it changed. */
export async function setPending(tenant: TenantScope, ref: MemberRef, at: Date): Promise<boolean> {
  return (await apply(tenant, membershipWrites.setPending(ref, at))).changed;
}

/** Activates a pending membership, confirmed at `at`; matches nothing otherwise. */
export const activate = (tenant: TenantScope, ref: MemberRef, at: Date) =>
  apply(tenant, membershipWrites.activate(ref, at));

/** Renews an active membership at `at`; matches nothing otherwise. */
export const renew = (tenant: TenantScope, ref: MemberRef, at: Date) =>
  apply(tenant, membershipWrites.renew(ref, at));

/** Makes a pending membership made at `previousAt` a new request's, made at `at`. */
export const restartPending = (tenant: TenantScope, ref: MemberRef, previousAt: Date, at: Date) =>
  apply(tenant, membershipWrites.restartPending(ref, previousAt, at));

/** Unsubscribes an active or pending membership at `at`; matches nothing otherwise. */
export const unsubscribe = (tenant: TenantScope, ref: MemberRef, at: Date) =>
  apply(tenant, membershipWrites.unsubscribe(ref, at));

/** Ends an active membership whose consent lapsed (or that was pruned) at `at`. */
export const lapse = (tenant: TenantScope, ref: MemberRef, at: Date) =>
  apply(tenant, membershipWrites.lapse(ref, at));

/** Removes the membership, whatever its status; `now` becomes the contact's `updatedAt`. */
export const remove = (tenant: TenantScope, ref: MemberRef, now: Date) =>
  apply(tenant, membershipWrites.remove(ref, now));

/**
 * Removes the membership if it was never confirmed (and, with `subscribedBy`, only one made by
 * then: a newer request's stays).
 */
export const removeUnconfirmed = (tenant: TenantScope, ref: MemberRef, subscribedBy?: Date) =>
  apply(tenant, membershipWrites.removeUnconfirmed(ref, subscribedBy));

/** Puts back the membership a request made at `subscribedAt` replaced (null: none). */
export const restore = (
  tenant: TenantScope,
  ref: MemberRef,
  subscribedAt: Date,
  previous: ListMembership | null,
) => apply(tenant, membershipWrites.restore(ref, subscribedAt, previous));

/**
 * Deletes the contact whole while its membership of the list is still active, or still
 * unconfirmed (and, with `subscribedBy`, made by then: a newer request keeps it); whether it
 * did. For a contact that belongs to no other list.
 */
export async function erase(
  tenant: TenantScope,
  { contactId, listId }: MemberRef,
  still: 'active' | 'unconfirmed',
  subscribedBy?: Date,
): Promise<boolean> {
  const where = still === 'active' ? activeOn(listId) : unconfirmedOn(listId);
  const { deletedCount } = await tenant.models.Contact.deleteOne({
    _id: contactId,
    ...where,
    ...subscribedNoLaterThan(listId, subscribedBy),
  });
  return deletedCount > 0;
}

/**
 * Deletes a contact created at `createdAt` if it holds no membership at all (a new contact
 * whose first request was taken back); whether it did.
 */
export async function eraseUnlisted(
  tenant: TenantScope,
  contactId: string,
  createdAt: Date,
): Promise<boolean> {
  const { deletedCount } = await tenant.models.Contact.collection.deleteOne({
    _id: contactId as never,
    createdAt,
    lists: {},
  });
  return deletedCount > 0;
}
