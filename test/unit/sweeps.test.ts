/**
 * The background sweeps the entry points start: each runs at its interval until stopped, and
 * a failing run is logged by the sweep's name without the error's message (it may quote data).
 */
import { startSweeps } from '../../src/sweeps';
import type { Logger } from '../../src/logger';

describe('startSweeps', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs each sweep at its interval until stopped, logging failures without their message', async () => {
    const warnings: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    let fast = 0;
    let failing = 0;
    const stop = startSweeps(
      [
        { name: 'fast', everyMs: 1000, run: async () => (fast += 1) },
        {
          name: 'failing',
          everyMs: 5000,
          run: async () => {
            failing += 1;
            throw new Error('duplicate key: someone@example.com');
          },
        },
      ],
      logger,
    );
    await jest.advanceTimersByTimeAsync(5000);
    expect(fast).toBe(5);
    expect(failing).toBe(1);
    expect(warnings).toEqual([[{ sweep: 'failing', err: 'Error' }, 'sweep failed']]);
    stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(fast).toBe(5);
    expect(failing).toBe(1);
  });
});
