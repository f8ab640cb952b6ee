import { Binary } from 'mongodb';
import { consentRecordIds, importedRecord } from '../../src/db/consent-records';

const member = { contactId: 'c1', listId: 'l1' };
const at = new Date('2025-03-01T10:00:00Z');

describe('consent record ids', () => {
  // Stored ids: a replay or retry finds its record only if they never change.
  it('keys each kind of record by what makes its event unique', () => {
    expect(consentRecordIds.requested('s1', at)).toBe(`s1:requested:${at.getTime()}`);
    expect(consentRecordIds.confirmed('s1', 'wf/run')).toBe('s1:confirmed:wf/run');
    expect(consentRecordIds.renewed(member, 'wf/run')).toBe('c1:l1:renewed:wf/run');
    expect(consentRecordIds.withdrawn(member, at)).toBe(`c1:l1:withdrawn:${at.getTime()}`);
    expect(consentRecordIds.expired(member, 'wf/run')).toBe('c1:l1:expired:wf/run');
    expect(consentRecordIds.imported('i1', 42)).toBe('i1:42');
  });
});

describe('imported records', () => {
  it('are confirmations from the import, with IP and source detail only when given', () => {
    const ip = new Binary(Buffer.from('ip'), 6);
    const detail = new Binary(Buffer.from('detail'), 6);
    expect(
      importedRecord({ importId: 'i1', line: 7, contactId: 'c1', listId: 'l1', at, ip, detail }),
    ).toEqual({
      _id: 'i1:7',
      contactId: 'c1',
      listId: 'l1',
      action: 'confirmed',
      at,
      ip,
      source: { kind: 'import', id: 'i1', detail },
    });
    const bare = importedRecord({ importId: 'i1', line: 8, contactId: 'c1', listId: 'l1', at });
    expect(bare).toEqual({
      _id: 'i1:8',
      contactId: 'c1',
      listId: 'l1',
      action: 'confirmed',
      at,
      source: { kind: 'import', id: 'i1' },
    });
    expect(Object.keys(bare)).not.toContain('ip');
    expect(Object.keys(bare.source)).not.toContain('detail');
  });
});
