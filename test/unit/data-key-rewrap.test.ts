import { isWrappedBy } from '../../src/db/data-key-rewrap';

describe('which data keys a rotation still has to move', () => {
  it('compares local generations by provider name', () => {
    expect(isWrappedBy({ provider: 'local:g2' }, { provider: 'local:g2' })).toBe(true);
    expect(isWrappedBy({ provider: 'local:g1' }, { provider: 'local:g2' })).toBe(false);
    expect(isWrappedBy({ provider: 'local' }, { provider: 'local:g1' })).toBe(false);
    expect(isWrappedBy(undefined, { provider: 'local:g1' })).toBe(false);
  });

  it('compares cloud master keys by every configured field', () => {
    const target = { provider: 'aws', masterKey: { region: 'eu-central-1', key: 'arn:new' } };
    expect(isWrappedBy({ provider: 'aws', region: 'eu-central-1', key: 'arn:new' }, target)).toBe(
      true,
    );
    // Same provider, previous key: rotating within AWS moves it.
    expect(isWrappedBy({ provider: 'aws', region: 'eu-central-1', key: 'arn:old' }, target)).toBe(
      false,
    );
    expect(isWrappedBy({ provider: 'local:g3' }, target)).toBe(false);
  });
});
