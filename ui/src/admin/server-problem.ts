/**
 * Where a refused save belongs in a form. The api names the part of the request it refuses
 * at the start of its message ("email: not a valid email address", "fields.email: cannot
 * grant more than you hold", "permissions.features.0: …"), besides a stable id; a form maps
 * that part to its own field, so the message shows next to what the user has to change.
 */
import { ApiError } from '../api/client';

/** A refusal of the api, split into the part it names and what it says of it. */
export interface ServerProblem {
  id: string;
  /** The named field's path (`fields.email` → ['fields', 'email']); empty when none is named. */
  path: string[];
  /** What of it the message is about, after the path ("features a, b" → 'a, b'). */
  detail: string;
  /** The message without the part's name, starting with a capital letter. */
  message: string;
}

// A part is a field path, optionally followed by the values concerned ("features a, b").
const named = /^([A-Za-z*][\w.*]*(?: [\w.*, ]+)?): (.+)$/s;

/** The api's 400 or 409 as a problem with its part; undefined for any other failure. */
export function serverProblem(error: unknown): ServerProblem | undefined {
  if (!(error instanceof ApiError) || (error.status !== 400 && error.status !== 409)) return;
  const match = named.exec(error.message);
  const text = match ? match[2]! : error.message;
  const [field = '', ...rest] = match ? match[1]!.split(' ') : [];
  return {
    id: error.id,
    path: field ? field.split('.') : [],
    detail: rest.join(' '),
    message: text.charAt(0).toUpperCase() + text.slice(1),
  };
}
