import { loggable } from '../../src/api/middleware/error-handler';

describe('what an unexpected error puts in the log', () => {
  it('keeps kind, code, path and stack frames but never the message, which may quote personal data', () => {
    const err = Object.assign(new Error('Cast to Encrypted failed for value "ada@example.test"'), {
      name: 'CastError',
      code: 42,
      path: 'email',
    });
    const logged = loggable(err);
    expect(logged).toMatchObject({ type: 'CastError', code: 42, path: 'email' });
    expect(logged.stack).toMatch(/^\s+at /);
    expect(JSON.stringify(logged)).not.toContain('ada@example.test');
  });
});
