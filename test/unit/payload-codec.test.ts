/**
 * The payload codec on its own, with in-memory keys: sealing and opening, tamper detection,
 * tenant separation and the fail-closed rules. The real key store and Temporal are covered
 * by test/e2e/payload-encryption.test.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  ApplicationFailure,
  defaultPayloadConverter,
  type Payload,
  type SerializationContext,
} from '@temporalio/common';
import {
  failureConverter,
  FAILURE_ATTRIBUTES_METADATA,
} from '../../src/temporal/failure-converter';
import {
  CIPHER_METADATA,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  PayloadEncryptionError,
  TenantPayloadCodec,
} from '../../src/temporal/payload-codec';
import { PayloadKeyUnavailableError, type PayloadKeySource } from '../../src/temporal/payload-keys';
import { tenantOfWorkflowId } from '../../src/temporal/workflow-tenant';
import { workflowId } from '../../workflows/definitions';

function buildKeys(tenants: string[]): PayloadKeySource & { keys: Map<string, Buffer> } {
  const keys = new Map(tenants.map((t) => [t, randomBytes(32)]));
  const find = async (tenantId: string) => {
    const key = keys.get(tenantId);
    if (!key) throw new PayloadKeyUnavailableError(tenantId, 'missing');
    return key;
  };
  return { keys, ensureKey: find, findKey: find };
}

const workflowContext = (id: string): SerializationContext => ({
  type: 'workflow',
  namespace: 'default',
  workflowId: id,
});
const acme = workflowContext('encryption-probe:acme0001:p1');
const beta = workflowContext('encryption-probe:beta0002:p2');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const json = (value: unknown) => defaultPayloadConverter.toPayload(value);

describe('tenantOfWorkflowId', () => {
  it('reads the tenant from ids built by workflowId(), including scheduled runs', () => {
    expect(tenantOfWorkflowId(workflowId('encryption-probe', 'acme0001', 'x1'))).toBe('acme0001');
    expect(tenantOfWorkflowId('renewal-sweep:acme0001:daily-2025-01-31T00:00:00Z')).toBe(
      'acme0001',
    );
  });

  it('finds no tenant in ids that do not follow the pattern', () => {
    for (const id of ['adhoc', 'probe:ACME0001:x', 'probe::x', 'probe:acme0001', ':acme0001:x']) {
      expect(tenantOfWorkflowId(id)).toBeUndefined();
    }
  });
});

describe('TenantPayloadCodec', () => {
  const keys = buildKeys(['acme0001', 'beta0002']);
  const codec = new TenantPayloadCodec(keys);

  it('seals every payload under the tenant of the workflow id and opens it again', async () => {
    const original = json({ probeId: 'p1', note: 'plaintext-marker' });
    const [sealed] = await codec.encode([original], acme);
    expect(text(sealed!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe('acme0001');
    expect(text(sealed!.metadata?.[CIPHER_METADATA])).toBe('AES256GCM');
    expect(Object.keys(sealed!.metadata ?? {}).sort()).toEqual(
      ['encoding', CIPHER_METADATA, KEY_ID_METADATA].sort(),
    );
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('plaintext-marker');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('json/plain');

    const [opened] = await codec.decode([sealed!], acme);
    expect(text(opened!.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({
      probeId: 'p1',
      note: 'plaintext-marker',
    });
  });

  it('uses a fresh IV for every payload', async () => {
    const payload = json('same');
    const [a, b] = await codec.encode([payload, payload], acme);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('seals activity payloads under the tenant of the scheduling workflow', async () => {
    const context: SerializationContext = {
      type: 'activity',
      namespace: 'default',
      workflowId: 'encryption-probe:beta0002:p2',
      activityId: '1',
      isLocal: false,
    };
    const [sealed] = await codec.encode([json(1)], context);
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe('beta0002');
  });

  it('refuses to encode without a context, for an id without tenant, or an activity without workflow', async () => {
    const noWorkflow: SerializationContext = { type: 'activity', namespace: 'd', isLocal: false };
    for (const context of [undefined, workflowContext('adhoc-run'), noWorkflow]) {
      await expect(codec.encode([json('x')], context)).rejects.toBeInstanceOf(
        PayloadEncryptionError,
      );
    }
  });

  it('refuses to encode when the tenant key is unavailable', async () => {
    await expect(
      codec.encode([json('x')], workflowContext('encryption-probe:gone0003:p')),
    ).rejects.toThrow('tenant payload key unavailable');
  });

  it('withholds, instead of failing, a failure message it cannot encrypt', async () => {
    const failure = failureConverter.errorToFailure(
      new Error('secret-detail'),
      defaultPayloadConverter,
    );
    const [withheld] = await codec.encode([failure.encodedAttributes!], undefined);
    expect(text(withheld!.data)).not.toContain('secret-detail');
    expect(defaultPayloadConverter.fromPayload(withheld!)).toEqual({
      message: expect.stringMatching(/^failure message withheld: /),
      stack_trace: '',
    });
  });

  it('passes payloads it did not seal through decode unchanged', async () => {
    const plain = json({ legacy: true });
    expect(await codec.decode([plain], acme)).toEqual([plain]);
  });

  it('detects tampering with the IV, the ciphertext, the tag or the cipher name', async () => {
    const [sealed] = await codec.encode([json({ amount: 100 })], acme);
    const data = Buffer.from(sealed!.data!);
    const flip = (index: number): Payload => {
      const copy = Buffer.from(data);
      copy[index] = copy[index]! ^ 0x01;
      return { metadata: sealed!.metadata, data: copy };
    };
    for (const index of [0, 12, data.length - 1]) {
      await expect(codec.decode([flip(index)], acme)).rejects.toBeInstanceOf(
        PayloadDecryptionError,
      );
    }
    const truncated = { metadata: sealed!.metadata, data: data.subarray(0, 20) };
    await expect(codec.decode([truncated], acme)).rejects.toBeInstanceOf(PayloadDecryptionError);
    const otherCipher = {
      metadata: { ...sealed!.metadata, [CIPHER_METADATA]: Buffer.from('NONE') },
      data,
    };
    await expect(codec.decode([otherCipher], acme)).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it("cannot open one tenant's payload with another tenant's key", async () => {
    const [sealed] = await codec.encode([json('acme-only')], acme);
    const relabelled = {
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('beta0002') },
      data: sealed!.data,
    };
    await expect(codec.decode([relabelled])).rejects.toThrow('payload failed authentication');
  });

  it("refuses to decode another tenant's payload inside a workflow", async () => {
    const [sealed] = await codec.encode([json('acme-only')], acme);
    await expect(codec.decode([sealed!], beta)).rejects.toThrow('another tenant');
  });
});

describe('failureConverter', () => {
  it('moves message and stack into a tagged payload at every level of the cause chain', () => {
    const err = ApplicationFailure.create({
      message: 'outer-detail',
      cause: new Error('inner-detail'),
    });
    const failure = failureConverter.errorToFailure(err, defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(failure.encodedAttributes?.metadata?.[FAILURE_ATTRIBUTES_METADATA]).toBeDefined();
    expect(failure.cause?.message).toBe('Encoded failure');
    expect(failure.cause?.encodedAttributes?.metadata?.[FAILURE_ATTRIBUTES_METADATA]).toBeDefined();
    const restored = failureConverter.failureToError(failure, defaultPayloadConverter);
    expect(restored.message).toBe('outer-detail');
  });
});
