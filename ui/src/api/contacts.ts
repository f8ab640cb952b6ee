/** Contacts and rights requests: the reads and actions the console makes. */
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';
import type {
  Contact,
  ContactRecord,
  RightsRequest,
  RightsRequestStatus,
  RightsRequestType,
} from './types';

export const contactSearchQuery = (email: string) =>
  queryOptions({
    queryKey: ['contacts', 'search', email],
    queryFn: async () =>
      (await api<{ contacts: Contact[] }>(`/api/v1/contacts?email=${encodeURIComponent(email)}`))
        .contacts,
    enabled: email.length > 0,
  });

export const contactQuery = (id: string) =>
  queryOptions({
    queryKey: ['contacts', id],
    queryFn: () => api<ContactRecord>(`/api/v1/contacts/${encodeURIComponent(id)}`),
  });

export const rightsRequestsQuery = (filter: {
  status?: RightsRequestStatus;
  type?: RightsRequestType;
}) =>
  queryOptions({
    queryKey: ['rights-requests', filter],
    queryFn: async () => {
      const params = new URLSearchParams();
      if (filter.status) params.set('status', filter.status);
      if (filter.type) params.set('type', filter.type);
      const query = params.size ? `?${params}` : '';
      return (await api<{ requests: RightsRequest[] }>(`/api/v1/rights-requests${query}`)).requests;
    },
    // The queue changes while it is open (workflows complete requests): keep it fresh.
    refetchInterval: 15_000,
  });

export const openRightsRequest = (body: { type: RightsRequestType; contactId: string }) =>
  api<RightsRequest>('/api/v1/rights-requests', { method: 'POST', body });

export const verifyRightsRequest = (id: string) =>
  api<RightsRequest>(`/api/v1/rights-requests/${encodeURIComponent(id)}/verify`, {
    method: 'POST',
  });

export const extendRightsRequest = (id: string, body: { months: 1 | 2; reason: string }) =>
  api<RightsRequest>(`/api/v1/rights-requests/${encodeURIComponent(id)}/extend`, {
    method: 'POST',
    body,
  });
