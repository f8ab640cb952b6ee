/**
 * The data converter of the api's Temporal client and of the worker (and, through the
 * failure converter's path, of the workflow bundle): per-tenant payload encryption plus
 * failure messages routed through it. Both sides must use the same one, or neither can
 * read what the other wrote.
 */
import type { DataConverter } from '@temporalio/common';
import { TenantPayloadCodec } from './payload-codec';
import type { PayloadKeySource } from './payload-keys';

/** Builds the data converter over a payload key source. */
export function createDataConverter(keys: PayloadKeySource): DataConverter {
  return {
    payloadCodecs: [new TenantPayloadCodec(keys)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
