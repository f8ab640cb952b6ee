/**
 * The duplicate-key error (E11000): a unique index refused a write. The product leans on it
 * for idempotency (a retried step finds its record there) and for races (the first writer
 * wins), on MongoDB and FerretDB alike.
 */

/** The server's code for a duplicate key. */
export const DUPLICATE_KEY = 11000;

/** Whether a write failed only because the document (or its unique key) is there already. */
export const isDuplicateKey = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY;
