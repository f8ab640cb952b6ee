/**
 * The mail an access review sends to each of the tenant's admins: who may do what, when each
 * account and key was last used, which are flagged and by when they must be confirmed. Users
 * appear by id and a masked address (enough for an admin to recognise a colleague, who sees
 * the full address in the console anyway); keys by id. Nothing else personal is in it.
 */
import type { AccessReviewDocument } from '../../db/models/access-review';

/** `jo…@example.com`: the start of the local part and the domain. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '…';
  const local = address.slice(0, at);
  return `${local.slice(0, Math.min(2, local.length - 1) || 1)}…${address.slice(at)}`;
}

const day = (date: Date | undefined) => (date ? date.toISOString().slice(0, 10) : undefined);
const used = (last: Date | undefined, created: Date, verb: string) =>
  last ? `${verb} ${day(last)}` : `never ${verb} (created ${day(created)})`;
const mark = (flagged: boolean) => (flagged ? '[FLAGGED] ' : '');

/** The subject and text of a review's mail; `addresses` maps user ids to their addresses. */
export function accessReviewMail(
  review: AccessReviewDocument,
  addresses: ReadonlyMap<string, string>,
): { subject: string; text: string } {
  const flaggedUsers = review.users.filter((u) => u.flagged).length;
  const flaggedKeys = review.apiKeys.filter((k) => k.flagged).length;
  const due = day(review.dueAt);
  const lines = [
    `Access review ${review._id} of ${day(review.createdAt)}.`,
    '',
    `${flaggedUsers} of ${review.users.length} users and ${flaggedKeys} of ${review.apiKeys.length} API keys have not been used for ${review.staleAfterDays} days or more and are flagged.`,
    ...(flaggedUsers + flaggedKeys > 0
      ? [
          `Unless an admin confirms them by ${due}, flagged users will be disabled and flagged API keys revoked.`,
          `To keep some, confirm them in the console or with POST /api/v1/access-reviews/${review._id}/confirm {"userIds": [...], "apiKeyIds": [...]}.`,
        ]
      : ['Nothing needs confirming; please check that everyone listed still needs their access.']),
    '',
    'Users:',
    ...review.users.map(
      (u) =>
        `- ${mark(u.flagged)}${u.id} (${maskAddress(addresses.get(u.id) ?? '')}), ${u.status}, ${used(u.lastLoginAt, u.createdAt, 'logged in')}; features: ${u.features.join(', ') || 'none'}; lists: ${u.lists === 'all' ? 'all' : `${u.lists.length} list(s)`}; fields: ${
          Object.entries(u.fields ?? {})
            .map(([field, access]) => `${field} ${access}`)
            .join(', ') || 'none'
        }`,
    ),
    '',
    'API keys:',
    ...(review.apiKeys.length === 0 ? ['- none'] : []),
    ...review.apiKeys.map(
      (k) =>
        `- ${mark(k.flagged)}${k.id}, created by ${k.createdBy}, ${used(k.lastUsedAt, k.createdAt, 'used')}; scopes: ${k.scopes.join(', ') || 'none'}`,
    ),
  ];
  return {
    subject: `Access review: ${flaggedUsers + flaggedKeys} accounts and keys to confirm by ${due}`,
    text: `${lines.join('\n')}\n`,
  };
}
