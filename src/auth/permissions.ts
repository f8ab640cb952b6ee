/** The registry of feature permissions; API-key scopes and user permissions use these names. */
export const features = [
  'contacts.view',
  'contacts.edit',
  'contacts.import',
  'contacts.export',
  'stats.view',
  'campaigns.create',
  'campaigns.send',
  'automations.design',
  'rights.manage',
  'users.manage',
  'accesslog.view',
] as const;

/** A feature permission name. */
export type Feature = (typeof features)[number];

/** Stored entry meaning "every feature", so a tenant's first admin gains features added later. */
export const ALL_FEATURES = '*';

/** The features a stored list grants: `*` expands to the whole registry, unknown names drop. */
export function resolveFeatures(stored: readonly string[]): Feature[] {
  if (stored.includes(ALL_FEATURES)) return [...features];
  return features.filter((feature) => stored.includes(feature));
}
