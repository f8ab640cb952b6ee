/** Least privilege when granting: nobody can give a user or key more than they hold. */
import { invalid } from '../errors';
import { fieldAccess, type FieldAccess, type Permissions } from './principal';

const rank: Record<FieldAccess, number> = { none: 0, view: 1, edit: 2 };

/** Throws 400 `permissions_exceed_own` naming what `granted` has beyond `holder`. */
export function assertWithin(granted: Permissions, holder: Permissions): void {
  const refuse = (what: string) =>
    invalid(`${what}: cannot grant more than you hold`, 'permissions_exceed_own');
  const extra = granted.features.filter((f) => !holder.features.includes(f));
  if (extra.length > 0) throw refuse(`features ${extra.join(', ')}`);
  if (holder.lists !== 'all') {
    const held = holder.lists;
    if (granted.lists === 'all' || granted.lists.some((id) => !held.includes(id)))
      throw refuse('lists');
  }
  for (const [field, access] of Object.entries(granted.fields)) {
    if (rank[access] > rank[fieldAccess(holder, field)]) throw refuse(`fields.${field}`);
  }
}
