/**
 * bench/automation: marketer-designed automations run by the real system (api, worker,
 * Temporal dev server, FerretDB, SMTP sink), with in the same run the engine's own no-op rate
 * on the same Temporal server as the baseline.
 *
 *   npm run bench:automation [-- --contacts 10000 --waiting 100000 --concurrency 10]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder), imports
 * `contacts` consenting contacts into one list, then:
 * 1. throughput: every contact enters a three-step automation (send, delay one minute, send:
 *    the shortest delay a definition allows) through `POST /api/v1/automations/:id/runs`,
 *    `concurrency` calls at a time. Runs per second from the first start to the last run's
 *    end (each run's end is read from its record, not from polling), and the start rate;
 * 2. the baseline: as many no-op workflows, started and awaited `concurrency` at a time on a
 *    worker of this process, and the ratio of the two rates;
 * 3. waiting: `waiting` runs (contacts × as many automations as it takes) held in a delay
 *    until one local time, all at once; the worker's resident memory before and while they
 *    wait, its CPU per minute of waiting, then the time from the wake-up to the last run's end.
 *
 * Also prints the CPU time each process of the system used per run.
 */
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../src/config';
import { databaseNames } from '../src/db/names';
import { timeNoops } from './noop-baseline';
import { startSystem, systemCpu, tenantWithContacts, type BenchSystem } from './system';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '10000' },
    waiting: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '10' },
    /** Seconds to watch the waiting runs before they wake. */
    watch: { type: 'string', default: '60' },
  },
});
const contacts = Number(values.contacts);
const waiting = Number(values.waiting);
const concurrency = Number(values.concurrency);
const watchSeconds = Number(values.watch);
const step = (what: string) => console.error(`  … ${what}`);

/** Runs `work` for 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const cpuSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([name, s]) => [name, s - (before[name] ?? 0)]));

/** `worker 12 ms, temporal 9 ms, …; total 40 ms`, per item, busiest first. */
function cpuLine(cpu: Record<string, number>, items: number): string {
  const ms = (s: number) => `${((s * 1000) / items).toFixed(1)} ms`;
  const parts = Object.entries(cpu)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${ms(s)}`);
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return parts.length ? `${parts.join(', ')}; total ${ms(total)}` : 'not available (no /proc)';
}

let workerPid: string | undefined;

/** The resident memory (MiB) of the system's worker process, from /proc. */
async function workerRssMiB(): Promise<number | undefined> {
  const rssOf = async (pid: string) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  };
  if (workerPid) {
    const rss = await rssOf(workerPid).catch(() => undefined);
    if (rss !== undefined) return rss;
  }
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!/src\/worker\.ts/.test(cmdline)) continue;
      workerPid = pid;
      return await rssOf(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

/** A three-step automation of `listId` entered by hand (over the API). */
function definition(listId: string, delay: Record<string, unknown>) {
  return {
    entry: { type: 'manual', listId, next: 'hello' },
    nodes: [
      { id: 'hello', type: 'send_email', subject: 'Hello', html: '<p>Hi</p>', next: 'later' },
      { id: 'later', type: 'delay', wait: delay, next: 'again' },
      { id: 'again', type: 'send_email', subject: 'Again', html: '<p>Hi</p>', next: 'done' },
      { id: 'done', type: 'end' },
    ],
  };
}

/** Ends of the automation's runs so far: how many ended, the last end, how many failed. */
async function endsOf(db: Db, automationId: string) {
  const runs = db.collection('automation_runs');
  const ended = { automationId, status: { $in: ['completed', 'exited', 'failed'] } };
  const n = await runs.countDocuments(ended);
  // A sort rather than a $max: FerretDB has no $max accumulator.
  const [latest] = await runs
    .find(ended, { projection: { endedAt: 1 } })
    .sort({ endedAt: -1 })
    .limit(1)
    .toArray();
  const failed = await runs.countDocuments({ automationId, status: 'failed' });
  return { n, last: latest?.endedAt as Date | undefined, failed };
}

/** Waits until `count` runs of each automation have ended; the last end. */
async function untilEnded(db: Db, automationIds: string[], count: number): Promise<Date> {
  let last = new Date(0);
  for (const id of automationIds)
    for (;;) {
      const ends = await endsOf(db, id);
      if (ends.failed > 0) throw new Error(`${ends.failed} runs of ${id} failed`);
      if (ends.n >= count) {
        if (ends.last && ends.last > last) last = ends.last;
        break;
      }
      await new Promise((r) => setTimeout(r, 3_000));
    }
  return last;
}

async function main() {
  const system: BenchSystem = await startSystem();
  const { call, dataDir } = system;
  const names = databaseNames(loadConfig({ CONSENTFLOW_DATA_DIR: dataDir }).mongo.dbPrefix);
  const mongo = new MongoClient(`mongodb://127.0.0.1:${system.ports.mongo}/`);
  try {
    step(`${contacts} consenting contacts: import`);
    const { tenantId, key, listId } = await tenantWithContacts(
      system,
      'Automation bench',
      contacts,
    );
    const list = { id: listId };
    const db = mongo.db(names.tenant(tenantId));
    const contactIds = (
      await db
        .collection('contacts')
        .find({}, { projection: { _id: 1 } })
        .toArray()
    ).map((c) => String(c._id));
    if (contactIds.length !== contacts)
      throw new Error(`imported ${contactIds.length} of ${contacts} contacts`);

    async function published(name: string, delay: Record<string, unknown>) {
      const created = (await call('POST', '/api/v1/automations', key, {
        name,
        definition: definition(list.id, delay),
      })) as { id: string };
      await call('POST', `/api/v1/automations/${created.id}/publish`, key);
      return created.id;
    }
    const enter = (automationId: string, contactId: string) =>
      call('POST', `/api/v1/automations/${automationId}/runs`, key, { contactId });

    // Warm-up outside the timing: the tenant's DKIM key, payload key and connections.
    const warm = await published('Warm-up', { kind: 'duration', amount: 1, unit: 'minutes' });
    await enter(warm, contactIds[0]!);

    step(`${contacts} runs of send, delay 1 minute, send; ${concurrency} starts at a time`);
    const automation = await published('Three steps', {
      kind: 'duration',
      amount: 1,
      unit: 'minutes',
    });
    const cpuBefore = await systemCpu(system.pid);
    const t0 = Date.now();
    await pool(contacts, concurrency, (i) => enter(automation, contactIds[i]!).then(() => {}));
    const startSeconds = (Date.now() - t0) / 1000;
    const last = await untilEnded(db, [automation], contacts);
    const runSeconds = (last.getTime() - t0) / 1000;
    const runCpu = cpuSince(cpuBefore, await systemCpu(system.pid));
    // The last run to start waits its minute like every other: the floor of this figure.
    const runRate = contacts / runSeconds;
    const startRate = contacts / startSeconds;

    step(`${contacts} no-op workflows on the same Temporal server, ${concurrency} at a time`);
    const noopSeconds = await timeNoops(
      `127.0.0.1:${system.ports.temporal}`,
      contacts,
      concurrency,
    );
    const noopRate = contacts / noopSeconds;
    console.log(
      `\nbench/automation on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), one process each: api, worker, Temporal dev server, FerretDB`,
    );
    console.log(
      `  ${contacts} runs of send, delay 1 minute, send, entered over the API ${concurrency} at a time:`,
    );
    console.log(
      `    ${runRate.toFixed(1)} runs/s end to end (${runSeconds.toFixed(1)} s, the last run's minute of delay included); starts ${startRate.toFixed(1)}/s`,
    );
    console.log(
      `  no-op workflow, started and awaited, same server, ${concurrency} at a time: ${noopRate.toFixed(1)} workflows/s (${noopSeconds.toFixed(1)} s)`,
    );
    console.log(`  ratio automation runs / no-op workflows: ${(runRate / noopRate).toFixed(2)}`);
    console.log(`  CPU per run (two mails, three steps): ${cpuLine(runCpu, contacts)}`);

    if (waiting === 0) return;
    // 3. Waiting (skipped with --waiting 0): the wake-up is set far enough ahead for every run
    // to have started, to the minute, in UTC.
    const automations = Math.ceil(waiting / contacts);
    const total = automations * contacts;
    // A start and the first mail are about half a run's work: at the whole run's rate, with a
    // margin, every run waits before the wake-up.
    const startEstimate = total / runRate;
    const wake = new Date(Date.now() + (startEstimate * 1.2 + watchSeconds + 60) * 1000);
    wake.setUTCSeconds(0, 0);
    wake.setUTCMinutes(wake.getUTCMinutes() + 1);
    const hhmm = wake.toISOString().slice(11, 16);
    step(
      `${total} runs waiting until ${hhmm} UTC (${automations} automations × ${contacts} contacts)`,
    );
    const rssBefore = await workerRssMiB();
    const waitIds: string[] = [];
    for (let a = 0; a < automations; a++)
      waitIds.push(await published(`Waiting ${a}`, { kind: 'local_time', time: hhmm }));
    const t2 = Date.now();
    await pool(total, concurrency, (i) =>
      enter(waitIds[Math.floor(i / contacts)]!, contactIds[i % contacts]!).then(() => {}),
    );
    const waitStartSeconds = (Date.now() - t2) / 1000;
    if (Date.now() > wake.getTime() - watchSeconds * 1000)
      throw new Error('the runs took too long to start: the wake-up came before they all waited');
    // Every run has sent its first mail and is in its delay once its record says so.
    for (;;) {
      const inDelay = await db
        .collection('automation_runs')
        .countDocuments({ automationId: { $in: waitIds }, node: 'later', status: 'waiting' });
      if (inDelay >= total) break;
      if (Date.now() > wake.getTime() - watchSeconds * 1000)
        throw new Error(`only ${inDelay} of ${total} runs reached the delay before the wake-up`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const waitCpuBefore = await systemCpu(system.pid);
    const rssSamples: number[] = [];
    const watchStart = Date.now();
    while (Date.now() - watchStart < watchSeconds * 1000) {
      const rss = await workerRssMiB();
      if (rss !== undefined) rssSamples.push(rss);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const waitCpu = cpuSince(waitCpuBefore, await systemCpu(system.pid));
    const watched = (Date.now() - watchStart) / 60_000;
    const lastResumed = await untilEnded(db, waitIds, contacts);
    const resumeSeconds = (lastResumed.getTime() - wake.getTime()) / 1000;

    const fmt = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(0)} MiB`);
    const perMinute = (cpu: Record<string, number>) =>
      Object.entries(cpu)
        .filter(([, s]) => s > 0)
        .sort((x, y) => y[1] - x[1])
        .map(([name, s]) => `${name} ${((s / watched) * 1000).toFixed(0)} ms`)
        .join(', ');
    console.log(
      `  ${total} runs waiting in a delay at once (started in ${waitStartSeconds.toFixed(0)} s, ${(total / waitStartSeconds).toFixed(1)}/s):`,
    );
    console.log(
      `    worker resident memory: ${fmt(rssBefore)} before they started, ${fmt(Math.min(...rssSamples))}–${fmt(Math.max(...rssSamples))} while they waited (${rssSamples.length} samples over ${watchSeconds} s)`,
    );
    console.log(`    CPU per minute of waiting: ${perMinute(waitCpu) || 'none measured'}`);
    console.log(
      `    all resumed, sent their second mail and ended ${resumeSeconds.toFixed(1)} s after the wake-up (${(total / resumeSeconds).toFixed(1)} runs/s)`,
    );
  } finally {
    await mongo.close();
    await system.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
