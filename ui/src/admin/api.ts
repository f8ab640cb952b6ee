/**
 * Users, API keys, the security settings, the access log, webhooks, support access and
 * access reviews: the queries and changes the administration pages make.
 */
import type { confirmAccessReview } from '@api/access-reviews';
import type { createKey } from '@api/api-keys';
import type { policyBody, twoFactorBody } from '@api/security-settings';
import type { createUser, updateUser } from '@api/users';
import type { createWebhookBody } from '@api/webhooks';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { api } from '../api/client';
import type { Feature, User } from '../api/types';
import type { AccessEntry } from './access-events';
import { accessLogParams, type AccessLogFilters } from './access-log-query';
import type {
  AccessReviewOutcome,
  SupportGrantStatus,
  WebhookAttemptError,
  WebhookDeliveryStatus,
} from './integration-words';

/** A user as the users routes answer it. */
export interface AdminUser extends User {
  passwordChangedAt: string | null;
  passwordMaxAgeDays: number | null;
}

/** An API key as the list answers it (never its secret). */
export interface ApiKey {
  id: string;
  name: string;
  scopes: Feature[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key just created: the only answer that holds the full key. */
export interface CreatedApiKey {
  id: string;
  key: string;
  name: string;
  scopes: Feature[];
}

export const usersQuery = queryOptions({
  queryKey: ['users'],
  queryFn: async () => (await api<{ users: AdminUser[] }>('/api/v1/users')).users,
});

export const userQuery = (id: string) =>
  queryOptions({
    queryKey: ['users', id],
    queryFn: () => api<AdminUser>(`/api/v1/users/${encodeURIComponent(id)}`),
  });

export const createUserCall = (body: z.infer<typeof createUser>) =>
  api<AdminUser>('/api/v1/users', { method: 'POST', body });

export const updateUserCall = (id: string, body: z.infer<typeof updateUser>) =>
  api<AdminUser>(`/api/v1/users/${encodeURIComponent(id)}`, { method: 'PATCH', body });

export const apiKeysQuery = queryOptions({
  queryKey: ['api-keys'],
  queryFn: async () => (await api<{ apiKeys: ApiKey[] }>('/api/v1/api-keys')).apiKeys,
});

export const createApiKeyCall = (body: z.infer<typeof createKey>) =>
  api<CreatedApiKey>('/api/v1/api-keys', { method: 'POST', body });

export const revokeApiKeyCall = (id: string) =>
  api<void>(`/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** The password policy in force (settings never set come back as their defaults). */
export type PasswordPolicy = z.infer<typeof policyBody>;
/** Who must use a second factor. */
export type TwoFactorRule = z.infer<typeof twoFactorBody>;

export const passwordPolicyQuery = queryOptions({
  queryKey: ['settings', 'password-policy'],
  queryFn: () => api<PasswordPolicy>('/api/v1/settings/password-policy'),
});

export const twoFactorQuery = queryOptions({
  queryKey: ['settings', 'two-factor'],
  queryFn: () => api<TwoFactorRule>('/api/v1/settings/two-factor'),
});

export const savePasswordPolicyCall = (body: PasswordPolicy) =>
  api<PasswordPolicy>('/api/v1/settings/password-policy', { method: 'PUT', body });

export const saveTwoFactorCall = (body: TwoFactorRule) =>
  api<TwoFactorRule>('/api/v1/settings/two-factor', { method: 'PUT', body });

/**
 * The newest `limit` entries matching the filters. Every read is itself logged (it reads IP
 * addresses in bulk), so the page reads when asked, not whenever the window regains focus.
 */
export const accessLogQuery = (filters: AccessLogFilters, limit: number) =>
  queryOptions({
    queryKey: ['access-log', filters, limit],
    queryFn: async () =>
      (
        await api<{ entries: AccessEntry[] }>(
          `/api/v1/access-log?${accessLogParams(filters, limit)}`,
        )
      ).entries,
    staleTime: 5 * 60_000,
    refetchOnWindowFocus: false,
    // A longer page keeps the rows shown until it comes.
    placeholderData: keepPreviousData,
  });

/** A webhook's event type, as the create schema offers them. */
export type WebhookEvent = z.infer<typeof createWebhookBody>['events'][number];

/** A webhook endpoint as the list answers it (never its secret). */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
  createdBy: { kind: 'user' | 'api_key'; id: string };
}

/** One event sent (or being sent) to an endpoint, with every attempt's answer. */
export interface WebhookDelivery {
  id: string;
  eventId: string;
  type: WebhookEvent;
  createdAt: string;
  status: WebhookDeliveryStatus;
  body: string;
  attempts: {
    at: string;
    statusCode?: number;
    error?: WebhookAttemptError;
    durationMs: number;
  }[];
}

export const webhooksQuery = queryOptions({
  queryKey: ['webhooks'],
  queryFn: async () => (await api<{ webhooks: Webhook[] }>('/api/v1/webhooks')).webhooks,
});

export const webhookDeliveriesQuery = (id: string) =>
  queryOptions({
    queryKey: ['webhooks', id, 'deliveries'],
    queryFn: async () =>
      (
        await api<{ deliveries: WebhookDelivery[] }>(
          `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`,
        )
      ).deliveries,
  });

/** The create answer: the only one that holds the signing secret. */
export const createWebhookCall = (body: z.infer<typeof createWebhookBody>) =>
  api<{ id: string; secret: string }>('/api/v1/webhooks', { method: 'POST', body });

export const deleteWebhookCall = (id: string) =>
  api<void>(`/api/v1/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** A platform staff member's request for access to the tenant's personal data. */
export interface SupportRequest {
  id: string;
  tenantId: string;
  status: SupportGrantStatus;
  reason: string;
  requestedBy: string;
  hours: number;
  scopes: Feature[];
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  approvedUntil: string | null;
  endedAt: string | null;
}

/** What an admin can do with a request. */
export type SupportDecision = 'approve' | 'deny' | 'revoke';

export const supportAccessQuery = queryOptions({
  queryKey: ['support-access'],
  queryFn: async () =>
    (await api<{ requests: SupportRequest[] }>('/api/v1/support-access')).requests,
});

export const decideSupportAccessCall = (id: string, decision: SupportDecision) =>
  api<SupportRequest>(`/api/v1/support-access/${encodeURIComponent(id)}/${decision}`, {
    method: 'POST',
  });

/** Whether a reviewed entry was flagged, confirmed (by whom) and what became of it. */
interface ReviewMark {
  flagged: boolean;
  confirmedAt: string | null;
  confirmedBy: string | null;
  outcome: AccessReviewOutcome | null;
}

/** A user as the review listed them (by id: the users route has the address). */
export interface ReviewedUser extends ReviewMark {
  id: string;
  features: Feature[];
  status: 'enabled' | 'disabled';
  createdAt: string;
  lastLoginAt: string | null;
}

/** An API key as the review listed it. */
export interface ReviewedKey extends ReviewMark {
  id: string;
  scopes: Feature[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** An access review, open or completed. */
export interface AccessReview {
  id: string;
  status: 'open' | 'completed';
  createdAt: string;
  dueAt: string;
  startedBy: 'user' | 'schedule';
  staleAfterDays: number;
  mailedTo: number | null;
  users: ReviewedUser[];
  apiKeys: ReviewedKey[];
  completedAt: string | null;
  outcome: { usersDisabled: number; apiKeysRevoked: number; confirmed: number } | null;
}

export const accessReviewsQuery = queryOptions({
  queryKey: ['access-reviews'],
  queryFn: async () => (await api<{ reviews: AccessReview[] }>('/api/v1/access-reviews')).reviews,
});

export const accessReviewQuery = (id: string) =>
  queryOptions({
    queryKey: ['access-reviews', id],
    queryFn: () => api<AccessReview>(`/api/v1/access-reviews/${encodeURIComponent(id)}`),
  });

/** Starts a review now; its record can be read once its workflow opened it (seconds). */
export const startAccessReviewCall = () =>
  api<{ id: string }>('/api/v1/access-reviews', { method: 'POST' });

export const confirmAccessReviewCall = (id: string, body: z.infer<typeof confirmAccessReview>) =>
  api<AccessReview>(`/api/v1/access-reviews/${encodeURIComponent(id)}/confirm`, {
    method: 'POST',
    body,
  });
