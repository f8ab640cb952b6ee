/** Lists: the queries and changes the console makes, cached per list. */
import type { createList, ListBody, updateList } from '@api/lists';
import { queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { api } from './client';

export const listsQuery = queryOptions({
  queryKey: ['lists'],
  queryFn: async () => (await api<{ lists: ListBody[] }>('/api/v1/lists')).lists,
});

export const listQuery = (id: string) =>
  queryOptions({
    queryKey: ['lists', id],
    queryFn: () => api<ListBody>(`/api/v1/lists/${encodeURIComponent(id)}`),
  });

export const createListCall = (body: z.infer<typeof createList>) =>
  api<ListBody>('/api/v1/lists', { method: 'POST', body });

export const updateListCall = (id: string, body: z.infer<typeof updateList>) =>
  api<ListBody>(`/api/v1/lists/${encodeURIComponent(id)}`, { method: 'PATCH', body });
