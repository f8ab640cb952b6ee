/**
 * The path parameters of routes under `/lists/:listId` that use the list id inside a field
 * path (`lists.<id>`, where memberships live): only the id format lists are created with
 * passes, so no id can reach into another path or carry an operator.
 */
import { z } from 'zod';

/** `{ listId }`, in the format of `POST /api/v1/lists` ids. */
export const listIdParams = z.strictObject({
  listId: z.string().regex(/^l[0-9a-f]{16}$/, 'not a list id'),
});
