/**
 * The failure converter of the client, the worker and the workflow bundle (loaded by path
 * through `failureConverterPath`, so it also runs inside the workflow sandbox: no Node
 * built-ins here). With `encodeCommonAttributes` error messages and stack traces move into a
 * payload, so the payload codec encrypts them like inputs and results instead of Temporal
 * storing them in clear. That payload is tagged so the codec may withhold it, rather than
 * fail, when it cannot be encrypted: failing there would take the worker down.
 */
import {
  DefaultFailureConverter,
  type PayloadConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';
import { encode } from '@temporalio/common/lib/encoding';

/** Metadata key marking the payload that carries a failure's message and stack trace. */
export const FAILURE_ATTRIBUTES_METADATA = 'consentflow-failure-attributes';

/** The SDK's converter with encoded attributes, tagging the attributes payload it creates. */
class TaggingFailureConverter extends DefaultFailureConverter {
  override errorToFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure {
    // Causes recurse through this method too, so every level of the chain gets its tag.
    const failure = super.errorToFailure(err, payloadConverter, context);
    const attributes = failure.encodedAttributes;
    if (attributes) {
      attributes.metadata = { ...attributes.metadata, [FAILURE_ATTRIBUTES_METADATA]: encode('1') };
    }
    return failure;
  }
}

/** Failure converter that sends error messages and stack traces through the payload codec. */
export const failureConverter = new TaggingFailureConverter({ encodeCommonAttributes: true });
