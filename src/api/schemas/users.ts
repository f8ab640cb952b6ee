/**
 * The bodies of the user routes that create a console user or change one, shared by the
 * routes and the web console's forms, so both validate with one schema.
 */
import { z } from 'zod';
import { emailAddress } from './email';
import { permissionsSchema } from './permissions';

/** The body of `POST /api/v1/users`. */
export const createUser = z.strictObject({
  email: emailAddress(),
  initialPassword: z.string().min(1).max(1024),
  permissions: permissionsSchema,
});

/** The body of `PATCH /api/v1/users/:id`: absent fields stay as they are. */
export const updateUser = z.strictObject({
  permissions: permissionsSchema.optional(),
  disabled: z.boolean().optional(),
  /** The user's own password maximum age in days (0: never); null: the tenant policy's. */
  passwordMaxAgeDays: z.number().int().min(0).max(3650).nullable().optional(),
});
