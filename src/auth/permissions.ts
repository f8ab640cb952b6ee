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
