/**
 * Who is making a tenant request and what they may do. Console users (session) and
 * integrators (API key) resolve to the same shape, so routes check permissions one way.
 * An API key carries its own feature scopes and the list and field permissions of the
 * user who created it: a key can never do more than its creator.
 */
import type { Feature } from './permissions';

/** Access to one personal field: hidden (masked), readable, or readable and writable. */
export type FieldAccess = 'none' | 'view' | 'edit';

/** The `fields` key that applies to every field not named explicitly. */
export const ANY_FIELD = '*';

/** The lists a caller may use: all, or these ids. */
export type ListScope = 'all' | readonly string[];

/** A user's or key's permissions: features, lists and personal fields. */
export interface Permissions {
  features: readonly Feature[];
  /** 'all', or the only lists the principal may know exist. */
  lists: ListScope;
  /** Personal field name (email, phone, firstName, lastName, custom field) -> access. */
  fields: Readonly<Record<string, FieldAccess>>;
}

/** An authenticated caller of a tenant route. */
export interface Principal {
  kind: 'user' | 'api_key';
  /** The user id or API key id: opaque, safe to log. */
  id: string;
  tenantId: string;
  permissions: Permissions;
  /** A key minted under a support grant: the grant's id (every request is logged with it). */
  grantId?: string;
  /** When the key stops working (epoch ms), for a key that expires. */
  expiresAt?: number;
}

/** Access to a field: its explicit entry, else the `*` default, else none. */
export function fieldAccess(permissions: Permissions, field: string): FieldAccess {
  return permissions.fields[field] ?? permissions.fields[ANY_FIELD] ?? 'none';
}

/** Whether the principal may see a list (and anything in it). */
export function canSeeList(permissions: Permissions, listId: string): boolean {
  return permissions.lists === 'all' || permissions.lists.includes(listId);
}

/** Everything: a tenant's first admin and keys created by the platform operator. */
export const fullPermissions = (features: readonly Feature[]): Permissions => ({
  features,
  lists: 'all',
  fields: { [ANY_FIELD]: 'edit' },
});

/** A filter on list `_id` matching the lists the principal may see. */
export const visibleListsFilter = (permissions: Permissions) =>
  permissions.lists === 'all' ? {} : { _id: { $in: [...permissions.lists] } };

/**
 * Whether the principal may see a contact with these list memberships. A principal of all
 * lists sees every contact; one limited to some lists sees a contact only through a
 * membership in one of them (lists are independent environments).
 */
export function canSeeContact(permissions: Permissions, memberOf: Iterable<string>): boolean {
  if (permissions.lists === 'all') return true;
  for (const listId of memberOf) if (permissions.lists.includes(listId)) return true;
  return false;
}
