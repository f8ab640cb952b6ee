/**
 * bench/doi: N subscriptions through the API of a running system (`npm start` on free ports
 * with a temporary data folder), each confirmed by following the link in its mail as it
 * arrives in the embedded SMTP sink; and in the same run, on the same local Temporal dev
 * server, N starts of a no-op workflow (awaited to completion) by a worker of this process.
 *
 *   npm run bench:doi [-- --n 200 --concurrency 10]
 *
 * Prints end-to-end confirmations per second (first subscribe call to last confirmation
 * recorded; the confirmation page answers once the workflow has recorded the proof), the
 * p50/p99 latency of the subscribe call, the no-op rate and the ratio of the two.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { simpleParser } from 'mailparser';
import { startSystem, systemCpu } from './system';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '10' },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);

/** Runs `work` for 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** CPU seconds each process used between two readings of `systemCpu`. */
const cpuSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([name, s]) => [name, s - (before[name] ?? 0)]));

/** `api 12 ms, worker 20 ms, …; total 80 ms`, per item, busiest process first. */
function cpuLine(cpu: Record<string, number>, items: number): string {
  const ms = (s: number) => `${Math.round((s * 1000) / items)} ms`;
  const parts = Object.entries(cpu)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${ms(s)}`);
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return parts.length ? `${parts.join(', ')}; total ${ms(total)}` : 'not available (no /proc)';
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const system = await startSystem({
    extraEnv: { CONSENTFLOW_SUBSCRIBE_LIMIT_ADDRESS: '' }, // defaults; every address is distinct anyway
  });
  const { base, call } = system;
  const token = system.platformToken;
  const sinkDir = path.join(system.dataDir, 'mail');
  const step = (what: string) => console.error(`  … ${what}`);
  try {
    step('provisioning a tenant');
    const tenant = await call('POST', '/api/v1/tenants', token, {
      name: 'Bench',
      admin: { email: 'bench-admin@bench.example', initialPassword: 'benchmark password' },
    });
    const { key } = (await call('POST', `/api/v1/tenants/${tenant.id}/api-keys`, token, {
      name: 'bench',
    })) as { key: string };
    const list = await call('POST', '/api/v1/lists', key, { name: 'Bench list' });
    // Warm-up: one full round (DKIM key generation, payload key, connections) outside the timing.
    await call('POST', `/api/v1/lists/${list.id}/subscriptions`, key, {
      email: 'warmup@bench.example',
    });

    step(`${n} subscriptions, each confirmed from its mail`);
    const latencies: number[] = [];
    const clicked = new Set<string>(); // sink files already handled
    let confirmed = 0;
    const doiCpuBefore = await systemCpu(system.pid);
    const t0 = performance.now();
    const subscribing = pool(n, concurrency, async (i) => {
      const started = performance.now();
      await call('POST', `/api/v1/lists/${list.id}/subscriptions`, key, {
        email: `person${i}@bench.example`,
        ip: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        userAgent: 'bench',
      });
      latencies.push(performance.now() - started);
    });
    const confirming = (async () => {
      while (confirmed < n) {
        const files = (await readdir(sinkDir)).filter((f) => f.endsWith('.eml') && !clicked.has(f));
        const links: string[] = [];
        for (const file of files) {
          clicked.add(file);
          const mail = await simpleParser(await readFile(path.join(sinkDir, file)));
          const to = mail.to && !Array.isArray(mail.to) ? mail.to.text : '';
          const link = /\/c\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')?.[0];
          if (link && to.startsWith('person')) links.push(link);
        }
        await pool(links.length, concurrency, async (i) => {
          const res = await fetch(base + links[i]!);
          if (res.status !== 200) throw new Error(`confirmation answered ${res.status}`);
          confirmed += 1;
        });
        if (links.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all([subscribing, confirming]);
    const doiSeconds = (performance.now() - t0) / 1000;
    const doiCpu = cpuSince(doiCpuBefore, await systemCpu(system.pid));

    step(`${n} no-op workflows on the same Temporal server`);
    const address = `127.0.0.1:${system.ports.temporal}`;
    const native = await NativeConnection.connect({ address });
    const taskQueue = 'bench-noop';
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: require.resolve('./noop-workflow'),
    });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    let noopSeconds = 0;
    let noopCpu: Record<string, number> = {};
    await worker.runUntil(async () => {
      await client.workflow.execute('noopWorkflow', { workflowId: 'bench-noop-warmup', taskQueue });
      const noopCpuBefore = await systemCpu(system.pid);
      const t1 = performance.now();
      await pool(n, concurrency, async (i) => {
        await client.workflow.execute('noopWorkflow', { workflowId: `bench-noop-${i}`, taskQueue });
      });
      noopSeconds = (performance.now() - t1) / 1000;
      noopCpu = cpuSince(noopCpuBefore, await systemCpu(system.pid));
    });
    await connection.close();
    await native.close();

    const sorted = [...latencies].sort((a, b) => a - b);
    const doiRate = n / doiSeconds;
    const noopRate = n / noopSeconds;
    console.log(
      `bench/doi: ${n} subscriptions, concurrency ${concurrency}, local Temporal dev server + FerretDB + SMTP sink on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log(
      `  double opt-in end to end (subscribe → DKIM-signed mail in the sink → link followed → proof recorded): ${doiRate.toFixed(1)} confirmations/s (${doiSeconds.toFixed(1)} s)`,
    );
    console.log(
      `  subscribe call latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (target p99 < 50 ms)`,
    );
    console.log(
      `  no-op workflow, started and awaited, same server, same concurrency: ${noopRate.toFixed(1)} workflows/s (${noopSeconds.toFixed(1)} s)`,
    );
    console.log(
      `  ratio double opt-in / no-op: ${(doiRate / noopRate).toFixed(2)} (target >= 0.5)`,
    );
    console.log(`  CPU per confirmed subscription: ${cpuLine(doiCpu, n)}`);
    console.log(`  CPU per no-op workflow: ${cpuLine(noopCpu, n)}`);
    console.log(
      '  measured: wall clock (performance.now) in this process, one run; CPU from /proc (user + system, 10 ms ticks) of every process of the system and of this one; api, worker and services share the machine',
    );
  } finally {
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench/doi failed:', err);
  process.exit(1);
});
