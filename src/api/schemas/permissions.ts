/** The request schema of a user's permissions (features, lists, fields). */
import { z } from 'zod';
import { features } from '../../auth/permissions';

/** `{ features, lists: 'all' | [listId…], fields: { name: none|view|edit } }`; `*` = any other field. */
export const permissionsSchema = z.strictObject({
  features: z.array(z.enum(features)).max(features.length),
  lists: z.literal('all').or(z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(1000)),
  fields: z
    .record(
      z
        .string()
        .regex(/^(\*|[A-Za-z][A-Za-z0-9_]{0,63})$/, 'field names are letters, digits, _ or *'),
      z.enum(['none', 'view', 'edit']),
    )
    .refine((f) => Object.keys(f).length <= 200, 'at most 200 fields'),
});

/** The response schema of the permissions a user holds (`*` features expanded). */
export const grantedPermissionsSchema = z
  .strictObject({
    features: z.array(z.enum(features)),
    lists: z.literal('all').or(z.array(z.string())),
    fields: z.record(z.string(), z.enum(['none', 'view', 'edit'])),
  })
  .meta({ id: 'Permissions' });

export type { Feature } from '../../auth/permissions';
