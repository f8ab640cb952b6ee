/**
 * Users, API keys, the security settings and the access log: the queries and changes the
 * administration pages make.
 */
import type { createKey } from '@api/api-keys';
import type { policyBody, twoFactorBody } from '@api/security-settings';
import type { createUser, updateUser } from '@api/users';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { api } from '../api/client';
import type { Feature, User } from '../api/types';
import type { AccessEntry } from './access-events';
import { accessLogParams, type AccessLogFilters } from './access-log-query';

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
