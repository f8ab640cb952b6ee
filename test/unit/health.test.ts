import { checkHealth } from '../../src/health';

const ok = () => Promise.resolve();

describe('health report', () => {
  it('is ok when every dependency answers', async () => {
    await expect(checkHealth({ temporal: ok, mongo: ok, smtp: ok })).resolves.toEqual({
      status: 'ok',
      temporal: 'ok',
      mongo: 'ok',
      smtp: 'ok',
    });
  });

  it('names the dependency that fails', async () => {
    const report = await checkHealth({
      temporal: ok,
      mongo: () => Promise.reject(new Error('down')),
      smtp: ok,
    });
    expect(report).toEqual({ status: 'failing', temporal: 'ok', mongo: 'failing', smtp: 'ok' });
  });

  it('reports a dependency that never answers as failing instead of hanging', async () => {
    const started = Date.now();
    const report = await checkHealth(
      { temporal: ok, mongo: ok, smtp: () => new Promise(() => undefined) },
      200,
    );
    expect(report.smtp).toBe('failing');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
