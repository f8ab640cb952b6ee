/**
 * The events a contact's changes become for automations: the fields a rectification changed,
 * named as conditions and waits name them, and the keys waits listen for.
 */
import { eventKeys, fieldsChangedEvent } from '../../src/automations/triggers';
import { awaitedKey } from '../../src/automations/interpreter';

describe('automation trigger events', () => {
  it('names changed names and custom fields as waits do, and nothing for the phone alone', () => {
    expect(fieldsChangedEvent({ firstName: 'Ada', fields: { plan: 'gold', team: null } })).toEqual({
      type: 'fields_changed',
      fields: ['firstName', 'custom.plan', 'custom.team'],
    });
    expect(fieldsChangedEvent({ lastName: null })).toEqual({
      type: 'fields_changed',
      fields: ['lastName'],
    });
    expect(fieldsChangedEvent({ phone: '+390212345678' } as object)).toBeNull();
    expect(fieldsChangedEvent({})).toBeNull();
  });

  it('gives a field change the keys a wait for each of its fields listens for', () => {
    const event = fieldsChangedEvent({ fields: { plan: 'gold' }, firstName: 'Ada' })!;
    expect(eventKeys(event)).toEqual([
      awaitedKey({ kind: 'field_change', field: 'firstName' }),
      awaitedKey({ kind: 'field_change', field: 'custom.plan' }),
    ]);
    expect(eventKeys({ type: 'custom_event', name: 'checkout' })).toEqual([
      awaitedKey({ kind: 'custom', name: 'checkout' }),
    ]);
    expect(eventKeys({ type: 'rights_request', requestType: 'access' })).toEqual([]);
  });
});
