/**
 * bench/doi: N subscriptions through the API of a running system (`npm start` on free ports
 * with a temporary data folder), each confirmed by following the link in its mail as it
 * arrives in the embedded SMTP sink; and in the same run, on the same local Temporal dev
 * server, N starts of a no-op workflow (awaited to completion) by a worker of this process.
 *
 *   npm run bench:doi [-- --n 200 --concurrency 10 --rate <subscriptions per second>]
 *
 * Three phases:
 * 1. throughput: N subscriptions, `concurrency` calls at a time. End-to-end confirmations per
 *    second (first subscribe call to last confirmation recorded; the confirmation page
 *    answers once it has recorded the proof), and the subscribe call's latency
 *    under that saturation;
 * 2. the baseline: N no-op workflows, `concurrency` at a time, and the ratio of the two rates;
 * 3. latency under an open-loop load: N more subscriptions arriving at the no-op rate
 *    (`--rate` sets another) whatever earlier calls do, as people arrive at a form; the
 *    subscribe call's p50/p99 there. Under saturation (phase 1) a call's latency is mostly its wait
 *    behind the calls queued before it, which says how much is queued, not how fast a call is.
 *
 * Also prints the CPU time each process of the system used per confirmed subscription and
 * per no-op workflow.
 */
import { adminApiKey } from '../test/helpers/admin-key';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { timeNoops } from './noop-baseline';
import { startSystem, systemCpu } from './system';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '10' },
    rate: { type: 'string' }, // phase 3's arrivals per second; default the no-op rate
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

/**
 * The recipient and the confirmation link of a raw message from the sink. Reads the raw text
 * (quoted-printable soft line breaks joined) rather than parsing the MIME tree: the benchmark
 * shares the machine's two cores with the system it measures, so it spends as little as it can.
 */
function confirmationOf(raw: string): { to: string; link?: string } {
  const to = /^To: *<?([^>\r\n]*)/im.exec(raw)?.[1] ?? '';
  // The body only: the DKIM signature's base64 can hold `/c/` too.
  const body = raw.slice(raw.search(/\r?\n\r?\n/));
  const link = /\/c\/[A-Za-z0-9._-]+/.exec(body.replace(/=\r?\n/g, ''))?.[0];
  return { to, link };
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
    await call('POST', '/api/v1/tenants', token, {
      name: 'Bench',
      admin: { email: 'bench-admin@bench.example', initialPassword: 'benchmark password' },
    });
    const key = await adminApiKey(base, 'bench-admin@bench.example', 'benchmark password');
    const list = await call('POST', '/api/v1/lists', key, { name: 'Bench list' });
    // Warm-up: one full round (DKIM key generation, payload key, connections) outside the timing.
    await call('POST', `/api/v1/lists/${list.id}/subscriptions`, key, {
      email: 'warmup@bench.example',
    });

    /**
     * N subscriptions, each confirmed by following the link of its mail as it arrives in the
     * sink; `concurrency` calls at a time (closed loop), or one every 1/`perSecond` s whatever
     * the earlier calls do (open loop, as people arrive at a form).
     */
    async function subscriptions(
      prefix: string,
      load: { concurrency: number } | { perSecond: number },
    ) {
      const latencies: number[] = [];
      const clicked = new Set<string>(); // sink files already handled
      let confirmed = 0;
      const subscribeOne = async (i: number) => {
        const started = performance.now();
        await call('POST', `/api/v1/lists/${list.id}/subscriptions`, key, {
          email: `${prefix}${i}@bench.example`,
          ip: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          userAgent: 'bench',
        });
        latencies.push(performance.now() - started);
      };
      const cpuBefore = await systemCpu(system.pid);
      const t0 = performance.now();
      const subscribing =
        'concurrency' in load
          ? pool(n, load.concurrency, subscribeOne)
          : Promise.all(
              Array.from(
                { length: n },
                (_, i) =>
                  new Promise<void>((resolve, reject) =>
                    setTimeout(
                      () => subscribeOne(i).then(resolve, reject),
                      (i * 1000) / load.perSecond,
                    ),
                  ),
              ),
            );
      const confirming = (async () => {
        while (confirmed < n) {
          const files = (await readdir(sinkDir)).filter(
            (f) => f.endsWith('.eml') && !clicked.has(f),
          );
          const links: string[] = [];
          for (const file of files) {
            clicked.add(file);
            const { to, link } = confirmationOf(await readFile(path.join(sinkDir, file), 'utf8'));
            if (link && to.startsWith(prefix)) links.push(link);
          }
          await pool(links.length, concurrency, async (i) => {
            // The confirmation page's button posts to the link (GET only shows the button).
            const res = await fetch(base + links[i]!, { method: 'POST' });
            if (res.status !== 200) throw new Error(`confirmation answered ${res.status}`);
            confirmed += 1;
          });
          if (links.length === 0) await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await Promise.all([subscribing, confirming]);
      const seconds = (performance.now() - t0) / 1000;
      return {
        rate: n / seconds,
        seconds,
        latencies: latencies.sort((x, y) => x - y),
        cpu: cpuSince(cpuBefore, await systemCpu(system.pid)),
      };
    }

    step(`${n} subscriptions, ${concurrency} at a time, each confirmed from its mail`);
    const saturated = await subscriptions('person', { concurrency });

    step(`${n} no-op workflows on the same Temporal server, ${concurrency} at a time`);
    let noopCpuBefore: Record<string, number> = {};
    let noopCpu: Record<string, number> = {};
    const noopSeconds = await timeNoops(`127.0.0.1:${system.ports.temporal}`, n, concurrency, {
      start: async () => void (noopCpuBefore = await systemCpu(system.pid)),
      end: async () => void (noopCpu = cpuSince(noopCpuBefore, await systemCpu(system.pid))),
    });

    const noopRate = n / noopSeconds;
    const targetRate = values.rate ? Number(values.rate) : noopRate;
    const loadName = values.rate ? 'as asked' : 'the no-op rate';
    step(`${n} subscriptions arriving at ${targetRate.toFixed(1)}/s (${loadName})`);
    const paced = await subscriptions('paced', { perSecond: targetRate });

    const ms = (sorted: number[], p: number) => `${percentile(sorted, p).toFixed(1)} ms`;
    console.log(
      `bench/doi: ${n} subscriptions per phase, local Temporal dev server + FerretDB + SMTP sink on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log(
      `  double opt-in end to end, ${concurrency} subscribe calls at a time (subscribe → DKIM-signed mail in the sink → link followed → proof recorded): ${saturated.rate.toFixed(1)} confirmations/s (${saturated.seconds.toFixed(1)} s); subscribe call p50 ${ms(saturated.latencies, 50)}, p99 ${ms(saturated.latencies, 99)} (target p99 < 50 ms)`,
    );
    console.log(
      `  no-op workflow, started and awaited, same server, ${concurrency} at a time: ${noopRate.toFixed(1)} workflows/s (${noopSeconds.toFixed(1)} s)`,
    );
    console.log(
      `  ratio double opt-in / no-op: ${(saturated.rate / noopRate).toFixed(2)} (target >= 3)`,
    );
    console.log(
      `  open loop, subscriptions arriving at ${targetRate.toFixed(1)}/s (${loadName}): subscribe call p50 ${ms(paced.latencies, 50)}, p99 ${ms(paced.latencies, 99)}; all confirmed after ${paced.seconds.toFixed(1)} s (${paced.rate.toFixed(1)}/s)`,
    );
    console.log(
      `  CPU per confirmed subscription: ${cpuLine(saturated.cpu, n)} (target total <= 15 ms)`,
    );
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
