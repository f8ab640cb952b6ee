/** Users and API keys: the queries and changes the administration pages make. */
import type { createKey } from '@api/api-keys';
import type { createUser, updateUser } from '@api/users';
import { queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { api } from '../api/client';
import type { Feature, User } from '../api/types';

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
