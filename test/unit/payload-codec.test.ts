/**
 * The payload codec on its own, with in-memory keys: sealing and opening, tamper detection,
 * tenant separation, the platform key of platform-owned workflows and the fail-closed rules. The real key store and Temporal are covered
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
  sealPayload,
  TenantPayloadCodec,
} from '../../src/temporal/payload-codec';
import {
  payloadKeyIdOf,
  payloadKeyIdsOf,
  platformWorkflowKinds,
} from '../../src/temporal/payload-key-owner';
import {
  PayloadKeyUnavailableError,
  PLATFORM_PAYLOAD_KEY_ID,
  type PayloadKeySource,
} from '../../src/temporal/payload-keys';
import { tenantOfWorkflowId } from '../../src/temporal/workflow-tenant';
import { newTenantId } from '../../src/tenants/provision-tenant';
import { workflowIdOf } from '../../src/temporal/workflows';

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
  it('reads the tenant from ids built by workflowIdOf(), including scheduled runs', () => {
    expect(tenantOfWorkflowId(workflowIdOf('encryptionProbe', 'acme0001', 'x1'))).toBe('acme0001');
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

describe('payload key ids', () => {
  it('reserves `platform`, which no tenant id can be', () => {
    const tenantIds = [
      newTenantId(),
      newTenantId(),
      newTenantId('order-42'),
      newTenantId('platform'),
    ];
    for (const id of tenantIds) expect(id).toMatch(/^t[0-9a-f]{19}$/);
    expect(PLATFORM_PAYLOAD_KEY_ID).toBe('platform');
    expect(PLATFORM_PAYLOAD_KEY_ID).not.toMatch(/^t[0-9a-f]{19}$/);
  });

  it('seals tenant workflows with the tenant key and platform workflows with the platform key', () => {
    const tenantId = newTenantId();
    expect(payloadKeyIdOf(workflowIdOf('doubleOptIn', tenantId, 's1'))).toBe(tenantId);
    expect(payloadKeyIdOf(`consent-renewal-sweep:${tenantId}:l1-2025-01-31T00:00:00Z`)).toBe(
      tenantId,
    );
    expect(payloadKeyIdOf(workflowIdOf('tenantShredding', tenantId, 'x'))).toBe('platform');
    expect(payloadKeyIdOf(`contract-termination:${tenantId}:x`)).toBe('platform');
    expect([...platformWorkflowKinds].sort()).toEqual(['contract-termination', 'tenant-shredding']);
  });

  it('lets a platform workflow open its tenant key too, and a tenant workflow only its own', () => {
    expect(payloadKeyIdsOf('tenant-shredding:acme0001:x')).toEqual(['platform', 'acme0001']);
    expect(payloadKeyIdsOf('double-opt-in:acme0001:x')).toEqual(['acme0001']);
  });

  it('gives no key to ids without a tenant or naming the reserved id as tenant', () => {
    for (const id of ['adhoc', 'tenant-shredding::x', 'platform', 'encryption-probe:platform:x']) {
      expect(payloadKeyIdOf(id)).toBeUndefined();
    }
    expect(payloadKeyIdsOf('encryption-probe:platform:x')).toEqual([]);
    expect(payloadKeyIdsOf('tenant-shredding:platform:x')).toEqual([]);
    expect(payloadKeyIdsOf('adhoc')).toBeUndefined();
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

describe('TenantPayloadCodec with platform workflows', () => {
  const keys = buildKeys(['acme0001', 'beta0002', 'platform']);
  const codec = new TenantPayloadCodec(keys);
  const shredding = workflowContext('tenant-shredding:acme0001:s1');
  const termination = workflowContext('contract-termination:acme0001:c1');
  const keyIdOf = (payload: Payload | undefined) => text(payload?.metadata?.[KEY_ID_METADATA]);

  it('seals the payloads of platform workflows with the platform key', async () => {
    for (const context of [shredding, termination]) {
      const [sealed] = await codec.encode([json({ tenantId: 'acme0001' })], context);
      expect(keyIdOf(sealed)).toBe('platform');
      const [opened] = await codec.decode([sealed!], context);
      expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ tenantId: 'acme0001' });
    }
  });

  it('keeps sealing platform workflows without any tenant key', async () => {
    const [sealed] = await codec.encode(
      [json('x')],
      workflowContext('tenant-shredding:gone0003:s'),
    );
    expect(keyIdOf(sealed)).toBe('platform');
  });

  it("still opens a platform workflow's payloads sealed earlier with its tenant key", async () => {
    const earlier = sealPayload(
      json({ tenantId: 'acme0001' }),
      keys.keys.get('acme0001')!,
      'acme0001',
    );
    const [opened] = await codec.decode([earlier], shredding);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ tenantId: 'acme0001' });
  });

  it("refuses another tenant's payloads in a platform workflow", async () => {
    const [other] = await codec.encode([json('beta-only')], beta);
    await expect(codec.decode([other!], shredding)).rejects.toThrow('another tenant');
  });

  it('refuses platform payloads in a tenant workflow', async () => {
    const [platformSealed] = await codec.encode([json('platform-only')], shredding);
    await expect(codec.decode([platformSealed!], acme)).rejects.toThrow(
      'payload belongs to the platform',
    );
  });

  it('neither seals nor opens anything for a workflow naming the reserved id as tenant', async () => {
    const reserved = workflowContext('encryption-probe:platform:x');
    await expect(codec.encode([json('x')], reserved)).rejects.toBeInstanceOf(
      PayloadEncryptionError,
    );
    const [platformSealed] = await codec.encode([json('platform-only')], shredding);
    await expect(codec.decode([platformSealed!], reserved)).rejects.toBeInstanceOf(
      PayloadDecryptionError,
    );
  });

  it('refuses to encode when the platform key is unavailable', async () => {
    const withoutPlatform = new TenantPayloadCodec(buildKeys(['acme0001']));
    await expect(withoutPlatform.encode([json('x')], shredding)).rejects.toThrow(
      'platform payload key unavailable',
    );
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
