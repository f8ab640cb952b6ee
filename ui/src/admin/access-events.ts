/**
 * The events the access log records (src/db/models/access-log.ts, which the console cannot
 * import: it holds mongoose), grouped as the event filter offers them. The e2e test of these
 * pages checks that the groups hold exactly the server's events.
 */

/** Every event, by the group the filter shows it under. */
export const accessEventGroups = {
  signIn: [
    'login.success',
    'login.failure',
    'login.lockout',
    'login.totp_failure',
    'recovery_code.used',
    'logout',
  ],
  accounts: [
    'password.changed',
    'password.reset',
    'totp.enrolled',
    'totp.disabled',
    'user.created',
    'user.disabled',
    'user.enabled',
    'permissions.changed',
    'settings.changed',
  ],
  apiKeys: [
    'api_key.created',
    'api_key.revoked',
    'api_key.used',
    'api_key.failure',
    'api_key.lockout',
  ],
  data: ['personal_data.read', 'data.changed', 'payload.decoded'],
  platform: [
    'platform.action',
    'support_access.requested',
    'support_access.approved',
    'support_access.denied',
    'support_access.revoked',
    'support_access.expired',
    'support_access.key_created',
    'support_access.used',
  ],
  reviews: ['access_review.created', 'access_review.confirmed', 'access_review.completed'],
} as const;

/** An access log event name. */
export type AccessEvent = (typeof accessEventGroups)[keyof typeof accessEventGroups][number];

export const accessEvents: readonly AccessEvent[] = Object.values(accessEventGroups).flat();

/** Refusals and lockouts: what an administrator looks for first. */
export const warningEvents: readonly AccessEvent[] = [
  'login.failure',
  'login.lockout',
  'login.totp_failure',
  'api_key.failure',
  'api_key.lockout',
];

/** An entry as `GET /api/v1/access-log` answers it (the IP as the API shows it). */
export interface AccessEntry {
  id: string;
  at: string;
  event: AccessEvent;
  actor: { kind: 'user' | 'api_key' | 'platform'; id: string } | null;
  subjectId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}
