/**
 * Every payload in a raw workflow history, found by shape so no event type is missed.
 * Search attributes are left out: Temporal never passes them through the codec (they hold
 * opaque ids only, by design).
 */
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

const isPayload = (value: object): value is Payload =>
  'data' in value && (value as Payload).data instanceof Uint8Array && 'metadata' in value;

/** Walks the history and returns each payload object it holds, in event order. */
export function historyPayloads(history: temporal.api.history.v1.IHistory): Payload[] {
  const found: Payload[] = [];
  const visit = (value: unknown) => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      found.push(value);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key !== 'searchAttributes') visit(child);
    }
  };
  visit(history.events ?? []);
  return found;
}
