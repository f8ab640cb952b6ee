/**
 * The JSON of Temporal's codec-server protocol: `{ "payloads": [ { "metadata": { key:
 * base64 }, "data": base64 } ] }` both ways (proto3 JSON of `Payloads`, bytes as base64).
 * Fields a newer UI may add to a payload are kept, so a payload handed back unchanged is
 * exactly what was sent.
 */
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

// Standard or URL-safe alphabet, padding optional: both are valid proto3 JSON bytes.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** One payload as JSON. */
export const payloadJson = z.looseObject({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});

/** A payload as JSON. */
export type PayloadJson = z.infer<typeof payloadJson>;

/** The request and response body of `/decode` and `/encode`. */
export const codecBody = z.object({ payloads: z.array(payloadJson).max(10_000) });

/** Converts a payload from its JSON form. */
export function payloadFromJson(json: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(json.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64'),
      ]),
    ),
    data: Buffer.from(json.data ?? '', 'base64'),
  };
}

/** Converts a payload to its JSON form. */
export function payloadToJson(payload: Payload): PayloadJson {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}
