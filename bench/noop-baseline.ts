/**
 * The benchmarks' baseline: no-op workflows (bench/noop-workflow.ts) started and awaited on the
 * system's own Temporal server by a worker of the benchmark's process, so their rate is the
 * engine's own on this machine in the same run. It uses the raw client on purpose: the
 * product's gateway is what the other side of the comparison measures.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

/**
 * Runs `count` no-op workflows, `concurrency` at a time, after one warm-up; the seconds they
 * took. `around.start` and `around.end` run just before the timing begins and just after it
 * ends (CPU readings, say).
 */
export async function timeNoops(
  address: string,
  count: number,
  concurrency: number,
  around: { start?: () => Promise<void>; end?: () => Promise<void> } = {},
): Promise<number> {
  const native = await NativeConnection.connect({ address });
  const taskQueue = 'bench-noop';
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: require.resolve('./noop-workflow'),
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let seconds = 0;
  try {
    await worker.runUntil(async () => {
      await client.workflow.execute('noopWorkflow', { workflowId: 'bench-noop-warmup', taskQueue });
      await around.start?.();
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            const i = next++;
            await client.workflow.execute('noopWorkflow', {
              workflowId: `bench-noop-${i}`,
              taskQueue,
            });
          }
        }),
      );
      seconds = (performance.now() - t0) / 1000;
      await around.end?.();
    });
  } finally {
    await connection.close();
    await native.close();
  }
  return seconds;
}
