/**
 * The shapes the console reads from the API (GET /api/openapi.json is their authority); the
 * request bodies it sends are checked with the api's own zod schemas (`@api/...`).
 */
import type { Feature } from '@api/permissions';

export type { Feature };

export type FieldAccess = 'none' | 'view' | 'edit';

export interface Permissions {
  features: Feature[];
  lists: 'all' | string[];
  fields: Record<string, FieldAccess>;
}

export interface User {
  id: string;
  tenantId: string;
  email: string;
  permissions: Permissions;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface Session {
  user: User;
  mustChangePassword: boolean;
  totpEnrolmentRequired: boolean;
  csrfToken: string;
}

export interface LoginResult {
  user: User | null;
  mustChangePassword: boolean;
  totpRequired: boolean;
  totpEnrolmentRequired?: boolean;
  csrfToken: string | null;
}

export type MembershipStatus = 'pending' | 'active' | 'unsubscribed';

export interface Contact {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  fields: Record<string, string | null>;
  lists: {
    listId: string;
    status: MembershipStatus;
    subscribedAt: string;
    confirmedAt: string | null;
    renewedAt: string | null;
    unsubscribedAt: string | null;
  }[];
  createdAt: string;
  updatedAt: string;
  masked: string[];
}

export interface ConsentRecord {
  listId: string;
  action: 'requested' | 'confirmed' | 'renewed' | 'withdrawn' | 'expired';
  at: string;
  ip: string | null;
  userAgent: string | null;
  source: { kind: string; id: string; detail: string | null };
  textVersion: string | null;
  textHash: string | null;
}

export interface ContactRecord extends Contact {
  consent: ConsentRecord[];
  restricted: boolean;
  trackingObjection: string[];
  rightsRequests: { id: string; type: string; status: string; dueAt: string }[];
}

export const rightsRequestTypes = [
  'access',
  'portability',
  'erasure',
  'restriction',
  'objection',
  'rectification',
] as const;
export type RightsRequestType = (typeof rightsRequestTypes)[number];

export const rightsRequestStatuses = [
  'verifying',
  'in_progress',
  'completed',
  'rejected',
  'overdue',
] as const;
export type RightsRequestStatus = (typeof rightsRequestStatuses)[number];

export interface RightsRequest {
  id: string;
  workflowId: string;
  type: RightsRequestType;
  status: RightsRequestStatus;
  receivedAt: string;
  dueAt: string;
  extendedMonths: number;
  verifiedAt?: string;
  completedAt?: string;
  result?: Record<string, string | number | boolean>;
  archiveExpiresAt?: string;
}
