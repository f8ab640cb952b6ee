/**
 * What a person may send when subscribing: a valid address and fields become a normalised
 * row; the proof's own field names and a bad address are refused with the error ids the API
 * answers with.
 */
import { AppError } from '../../src/errors';
import { subscriberRow } from '../../src/consent/subscription/subscriber-row';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return { kind: err.kind, id: err.id, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

describe('subscriberRow', () => {
  it('normalises the address and keeps names and custom fields', () => {
    expect(subscriberRow(' Ada@Example.COM ', { firstName: 'Ada', plan: 'gold' })).toEqual({
      email: 'ada@example.com',
      firstName: 'Ada',
      custom: { plan: 'gold' },
    });
  });

  it('refuses the fields of the consent proof', () => {
    expect(refusal(() => subscriberRow('ada@example.com', { consentIp: '192.0.2.1' }))).toEqual({
      kind: 'invalid',
      id: 'invalid_request',
      message: 'fields.consentIp: cannot be set here',
    });
  });

  it('refuses a bad address without quoting it', () => {
    expect(refusal(() => subscriberRow('not an address'))).toEqual({
      kind: 'invalid',
      id: 'invalid_email',
      message: 'email: not a valid mailbox address',
    });
  });
});
