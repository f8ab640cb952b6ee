/**
 * The body of `POST /api/v1/api-keys`, shared by the route and the web console's form, so
 * both validate with one schema.
 */
import { z } from 'zod';
import { features } from '../../auth/permissions';

/** A key's name and scopes (feature permissions; absent: all of the creator's). */
export const createKey = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(features)).min(1).max(features.length).optional(),
});
