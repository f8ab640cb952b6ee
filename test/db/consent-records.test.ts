/**
 * Consent record writes on a real tenant database: each kind is keyed so that a repeat adds
 * nothing, the personal values of a link use are stored encrypted, and the erasures touch only
 * the records they name.
 */
import { MongoClient } from 'mongodb';
import * as consentRecords from '../../src/db/consent-records';
import { isCiphertext } from '../../src/db/encrypted-field';
import type { TenantScope } from '../../src/db/tenant-access';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('consent records', () => {
  let stack: AppStack;
  let tenant: TenantScope;
  let plainClient: MongoClient;
  beforeAll(async () => {
    stack = await startAppStack();
    plainClient = await new MongoClient(testServices().mongoUri).connect();
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    tenant = await stack.data.tenants.forTenant(tenantId);
  });
  afterAll(async () => {
    await plainClient?.close();
    await stack?.stop();
  });

  const newMember = () => ({ contactId: `c${uniqueSuffix()}`, listId: 'l00000000000000a1' });
  const at = new Date('2025-03-01T10:00:00Z');
  const use = { at: at.toISOString(), ip: '192.0.2.9', userAgent: 'Mail/1.0' };
  const proof = { sourceKind: 'api' as const, sourceId: 'k1', textVersion: 'v1', textHash: 'h1' };
  const recordsOf = (contactId: string) =>
    tenant.models.ConsentRecord.find({ contactId }).sort({ at: 1, action: 1 }).lean();
  const rawRecord = (id: string) =>
    plainClient
      .db(tenant.databaseName)
      .collection('consent_records')
      .findOne({ _id: id as never });

  it('appends a confirmation and a renewal once per run, the link use encrypted', async () => {
    const member = newMember();
    const confirmed = { ...member, subscriptionId: 's1', key: 'wf/run1', use, proof };
    expect(await consentRecords.recordConfirmed(tenant, confirmed)).toBe(true);
    expect(await consentRecords.recordConfirmed(tenant, confirmed)).toBe(false);
    const renewal = { key: 'wf/run2', use, via: 'renewal' as const };
    expect(await consentRecords.recordRenewed(tenant, member, renewal)).toBe(true);
    expect(await consentRecords.recordRenewed(tenant, member, renewal)).toBe(false);

    const records = await recordsOf(member.contactId);
    expect(records.map((r) => [r._id, r.action, r.source, r.ip, r.userAgent])).toEqual([
      ['s1:confirmed:wf/run1', 'confirmed', { kind: 'api', id: 'k1' }, use.ip, use.userAgent],
      [
        `${member.contactId}:${member.listId}:renewed:wf/run2`,
        'renewed',
        { kind: 'link', id: 'renewal' },
        use.ip,
        use.userAgent,
      ],
    ]);
    const raw = await rawRecord('s1:confirmed:wf/run1');
    expect(isCiphertext(raw?.ip)).toBe(true);
    expect(isCiphertext(raw?.userAgent)).toBe(true);
    expect(raw?.at).toEqual(at);
  });

  it('writes a request’s record once, whether appended or repaired, and takes it back', async () => {
    const member = newMember();
    const request = {
      ...member,
      subscriptionId: 's2',
      at,
      ip: await tenant.private('192.0.2.10'),
      source: { kind: 'form' as const, id: 'f1', detail: await tenant.private('footer') },
      textVersion: 'v1',
      textHash: 'h1',
    };
    expect(await consentRecords.recordRequested(tenant, request)).toBe(true);
    expect(await consentRecords.recordRequested(tenant, request)).toBe(false);
    await consentRecords.ensureRequested(tenant, {
      _id: 's2',
      ...member,
      requestedAt: at,
      source: { kind: 'form', id: 'f1', detail: 'footer' },
      ip: '192.0.2.10',
      textVersion: 'v1',
      textHash: 'h1',
    });
    const records = await recordsOf(member.contactId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      _id: `s2:requested:${at.getTime()}`,
      action: 'requested',
      ip: '192.0.2.10',
      source: { kind: 'form', id: 'f1', detail: 'footer' },
    });

    await consentRecords.takeBackRequested(tenant, 's2', at);
    expect(await recordsOf(member.contactId)).toEqual([]);
    // A repair after the take-back writes it again, from the stored request.
    await consentRecords.ensureRequested(tenant, {
      _id: 's2',
      ...member,
      requestedAt: at,
      source: { kind: 'form', id: 'f1' },
      textVersion: 'v1',
      textHash: 'h1',
    });
    expect(await recordsOf(member.contactId)).toHaveLength(1);
  });

  it('records a lapse once, and refuses a second record of the same withdrawal', async () => {
    const member = newMember();
    const lapse = { key: 'wf/run3', at, reason: 'inactive' as const };
    await consentRecords.recordExpired(tenant, member, lapse);
    await consentRecords.recordExpired(tenant, member, { ...lapse, reason: 'expired' });
    await consentRecords.recordWithdrawn(tenant, member, { at: use.at });
    await expect(consentRecords.recordWithdrawn(tenant, member, { at: use.at })).rejects.toThrow();
    const records = await recordsOf(member.contactId);
    expect(records.map((r) => [r.action, r.source])).toEqual([
      ['expired', { kind: 'policy', id: 'inactivity-policy' }],
      ['withdrawn', { kind: 'link', id: 'unsubscribe' }],
    ]);
    expect(records[1]).not.toHaveProperty('ip');
  });

  it('erases only the records of the request named, and anonymizes a membership’s', async () => {
    const member = newMember();
    const minute = (n: number) => new Date(at.getTime() + n * 60_000);
    for (const [i, when] of [minute(0), minute(10), minute(20)].entries())
      await consentRecords.recordRenewed(tenant, member, {
        key: `wf/run${i}`,
        use: { ...use, at: when.toISOString() },
        via: 're-permission',
      });
    await consentRecords.deleteRequestRecords(tenant, member, {
      subscriptionId: 's3',
      requestedAt: minute(5),
      until: minute(15),
    });
    expect((await recordsOf(member.contactId)).map((r) => r.at)).toEqual([minute(0), minute(20)]);

    await consentRecords.anonymizeRecords(tenant, member, 'a-pseudonym');
    expect(await recordsOf(member.contactId)).toEqual([]);
    const anonymized = await recordsOf('a-pseudonym');
    expect(anonymized).toHaveLength(2);
    for (const r of anonymized) {
      expect(r).not.toHaveProperty('ip');
      expect(r).not.toHaveProperty('userAgent');
    }
    await consentRecords.deleteRecords(tenant, { ...member, contactId: 'a-pseudonym' });
    expect(await recordsOf('a-pseudonym')).toEqual([]);
  });
});
