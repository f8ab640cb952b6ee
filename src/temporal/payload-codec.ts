/**
 * The payload codec of every client and worker: each payload Temporal stores (workflow and
 * activity inputs and results, signals, queries, memos, failure messages) is sealed with
 * AES-256-GCM under the key of the tenant whose workflow owns it, picked from the workflow
 * id in the SerializationContext (the platform key for the platform's own workflows, see
 * payload-key-owner.ts). The key id travels in plaintext metadata so a codec server can pick
 * the key from the payload alone.
 *
 * Fail closed: a payload that cannot be encrypted (no context, a workflow id without a
 * tenant, the key unavailable) is never stored in clear. Encoding throws, except for the
 * tagged failure-message payload, which is replaced by a placeholder: the SDK encodes
 * worker-side failures (a workflow task that failed, an activity whose input could not be
 * decoded) without a context or after the key became unavailable, and a codec error there
 * would stop the worker. The worker logs those errors itself.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { FAILURE_ATTRIBUTES_METADATA } from './failure-converter';
import { payloadKeyIdOf, payloadKeyIdsOf } from './payload-key-owner';
import { PLATFORM_PAYLOAD_KEY_ID, type PayloadKeySource } from './payload-keys';

/** `encoding` of a sealed payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key: the tenant id, or `platform` (PLATFORM_PAYLOAD_KEY_ID). */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata naming the cipher, so a later format can coexist. */
export const CIPHER_METADATA = 'encryption-cipher';
/** The one cipher today: AES-256-GCM, data = iv (12) | ciphertext | tag (16). */
export const CIPHER = 'AES256GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a payload cannot be encrypted; nothing is stored then. */
export class PayloadEncryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadEncryptionError';
  }
}

/** Thrown when a sealed payload cannot be opened (unknown key, wrong tenant, tampered). */
export class PayloadDecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (value: Uint8Array | null | undefined) =>
  value ? Buffer.from(value).toString('utf8') : undefined;

/** Whether a payload was sealed by this codec. */
export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** The key id (tenant or `platform`) a sealed payload names. */
export function payloadKeyId(payload: Payload): string | undefined {
  return text(payload.metadata?.[KEY_ID_METADATA]);
}

/** Seals one payload (all of it, metadata included) under a key. */
export function sealPayload(payload: Payload, key: Buffer, keyId: string): Payload {
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(keyId),
      [CIPHER_METADATA]: Buffer.from(CIPHER),
    },
    data: sealed,
  };
}

/** Opens a sealed payload; throws PayloadDecryptionError when it is not authentic. */
export function openPayload(payload: Payload, key: Buffer): Payload {
  if (text(payload.metadata?.[CIPHER_METADATA]) !== CIPHER) {
    throw new PayloadDecryptionError('unsupported payload cipher');
  }
  const data = Buffer.from(payload.data ?? []);
  if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('truncated payload');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return temporal.api.common.v1.Payload.decode(plain);
  } catch (err) {
    throw new PayloadDecryptionError('payload failed authentication', { cause: err });
  }
}

/** What is stored instead of a failure message that could not be encrypted. */
function withheldFailureAttributes(reason: string): Payload {
  const attributes = { message: `failure message withheld: ${reason}`, stack_trace: '' };
  return {
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify(attributes)),
  };
}

const isFailureAttributes = (payload: Payload) =>
  payload.metadata?.[FAILURE_ATTRIBUTES_METADATA] !== undefined;

/** Encrypts payloads per tenant; see the module comment for the rules. */
export class TenantPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeySource) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const sealing = await this.sealingKey(context);
    return payloads.map((payload) => {
      if (!(sealing instanceof PayloadEncryptionError)) {
        return sealPayload(payload, sealing.key, sealing.keyId);
      }
      if (isFailureAttributes(payload)) return withheldFailureAttributes(sealing.message);
      throw sealing;
    });
  }

  /** The key payloads of this context are sealed with, or why there is none. */
  private async sealingKey(
    context: SerializationContext | undefined,
  ): Promise<{ keyId: string; key: Buffer } | PayloadEncryptionError> {
    if (!context?.workflowId) {
      return new PayloadEncryptionError('cannot encrypt a payload without a workflow context');
    }
    const keyId = payloadKeyIdOf(context.workflowId);
    if (!keyId) {
      return new PayloadEncryptionError('cannot encrypt a payload of a workflow without tenant');
    }
    try {
      return { keyId, key: await this.keys.ensureKey(keyId) };
    } catch (err) {
      const owner = keyId === PLATFORM_PAYLOAD_KEY_ID ? 'platform' : 'tenant';
      return new PayloadEncryptionError(`${owner} payload key unavailable`, { cause: err });
    }
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const readable = context?.workflowId ? payloadKeyIdsOf(context.workflowId) : undefined;
    return Promise.all(
      payloads.map(async (payload) => {
        // Payloads written before encryption was enabled (or by other codecs) pass through.
        if (!isEncryptedPayload(payload)) return payload;
        const keyId = payloadKeyId(payload);
        if (!keyId) throw new PayloadDecryptionError('encrypted payload without key id');
        // A workflow only ever reads payloads of its own key owner: a payload of another
        // tenant, or of the platform, smuggled into its history (a signal, say) must not be
        // decrypted into it.
        if (readable && !readable.includes(keyId)) {
          throw new PayloadDecryptionError(
            keyId === PLATFORM_PAYLOAD_KEY_ID
              ? 'payload belongs to the platform, not to the workflow'
              : 'payload belongs to another tenant than the workflow',
          );
        }
        return openPayload(payload, await this.keys.findKey(keyId));
      }),
    );
  }
}
