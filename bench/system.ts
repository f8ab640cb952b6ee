/**
 * A running system for benchmarks: `npm start` with free ports and a temporary data folder
 * (so a bench measures exactly what users run), plus a JSON caller with a bearer token.
 */
import { adminApiKey } from '../test/helpers/admin-key';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/local/ports';
import { projectRoot } from '../src/util/project-root';

/** A started system. */
export interface BenchSystem {
  base: string;
  dataDir: string;
  platformToken: string;
  /** The ports the system listens on. */
  ports: { api: number; mongo: number; temporal: number; ui: number; smtp: number };
  /** The process id of `npm start` (the root of the system's processes). */
  pid: number;
  /** The environment the system's processes run with (for another api process). */
  env: NodeJS.ProcessEnv;
  call(method: string, url: string, auth: string, body?: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts the system and waits until it reports ready; `extraEnv` adds to its environment. */
export async function startSystem(
  options: { extraEnv?: NodeJS.ProcessEnv } = {},
): Promise<BenchSystem> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'consentflow-bench-'));
  const [api, mongo, temporal, ui, smtp] = (await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  )) as [number, number, number, number, number];
  const env = {
    ...process.env,
    PORT: String(api),
    MONGODB_PORT: String(mongo),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    SMTP_PORT: String(smtp),
    CONSENTFLOW_DATA_DIR: dataDir,
    CONSENTFLOW_LOG_LEVEL: 'warn',
    MONGODB_URI: '',
    TEMPORAL_ADDRESS: '',
    SMTP_URL: '',
    CONSENTFLOW_PLATFORM_TOKEN: '',
    ...options.extraEnv,
  };
  const system = spawn(
    process.execPath,
    [path.join(projectRoot, 'scripts', 'bootstrap.mjs'), 'start'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    system.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready in') && resolve());
    system.once('exit', () => reject(new Error('the system did not start')));
  });
  const base = `http://127.0.0.1:${api}`;
  const platformToken = (await readFile(path.join(dataDir, 'platform-token'), 'utf8')).trim();
  return {
    base,
    dataDir,
    platformToken,
    ports: { api, mongo, temporal, ui, smtp },
    pid: system.pid!,
    env: { ...env, CONSENTFLOW_PLATFORM_TOKEN: platformToken },
    async call(method, url, auth, body) {
      const res = await fetch(base + url, {
        method,
        headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async stop() {
      system.kill('SIGINT');
      await new Promise((r) => system.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One process of the system, as /proc shows it. */
interface ProcessInfo {
  pid: number;
  /** database, temporal, worker, api, bench (this process) or other. */
  name: string;
  /** CPU seconds (user + system) used so far. */
  cpuSeconds: number;
  /** Resident memory in MB. */
  rssMb: number;
}

/**
 * The processes under `rootPid` (and this benchmark's own, named `bench`). Empty where /proc
 * is not available.
 */
async function processesUnder(rootPid: number): Promise<ProcessInfo[]> {
  const stats = new Map<number, ProcessInfo & { parent: number }>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const tick = 100; // USER_HZ on Linux
  const page = 4096;
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        try {
          const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
          const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          stats.set(Number(pid), {
            pid: Number(pid),
            parent: Number(fields[1]),
            name: Number(pid) === process.pid ? 'bench' : processName(cmdline),
            cpuSeconds: (Number(fields[11]) + Number(fields[12])) / tick,
            rssMb: (Number(fields[21]) * page) / 2 ** 20,
          });
        } catch {
          // the process ended meanwhile
        }
      }),
  );
  const under = (pid: number): boolean => {
    for (let p = pid; p > 1; p = stats.get(p)?.parent ?? 0) if (p === rootPid) return true;
    return false;
  };
  return [...stats.values()].filter((p) => under(p.pid) || p.pid === process.pid);
}

/**
 * CPU seconds (user + system) used so far by each process under `rootPid`, by name: the
 * database server, Temporal, the worker, the api; and by this benchmark's own process
 * (`bench`). Empty where /proc is not available.
 */
export async function systemCpu(rootPid: number): Promise<Record<string, number>> {
  const cpu: Record<string, number> = {};
  for (const { name, cpuSeconds } of await processesUnder(rootPid))
    cpu[name] = (cpu[name] ?? 0) + cpuSeconds;
  return cpu;
}

/**
 * Resident memory (MB), open file descriptors and the sockets among them of each of the
 * system's processes, by name (summed where a name has several processes).
 */
export async function systemFootprint(
  rootPid: number,
): Promise<Record<string, { rssMb: number; openFiles: number; sockets: number }>> {
  const out: Record<string, { rssMb: number; openFiles: number; sockets: number }> = {};
  for (const { pid, name, rssMb } of await processesUnder(rootPid)) {
    if (name === 'bench' || name === 'other') continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    const links = await Promise.all(
      fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
    );
    const entry = (out[name] ??= { rssMb: 0, openFiles: 0, sockets: 0 });
    entry.rssMb += rssMb;
    entry.openFiles += fds.length;
    entry.sockets += links.filter((l) => l.startsWith('socket:')).length;
  }
  return out;
}

function processName(cmdline: string[]): string {
  const joined = cmdline.join(' ');
  if (/ferretdb/.test(joined)) return 'database';
  if (/src\/worker\.ts/.test(joined)) return 'worker';
  if (/src\/server\.ts/.test(joined)) return 'api';
  if (/temporal/i.test(joined)) return 'temporal';
  return 'other';
}

/**
 * A new tenant with an API key and one list holding `count` consenting contacts
 * (`person<i>@bench.example`, first name `First<i>`), imported through the import route with
 * existing consent; returns when the import has finished.
 */
export async function tenantWithContacts(
  system: BenchSystem,
  name: string,
  count: number,
): Promise<{ tenantId: string; key: string; listId: string }> {
  const { call, base } = system;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const tenant = await call('POST', '/api/v1/tenants', system.platformToken, {
    name,
    admin: { email: `${slug}-admin@bench.example`, initialPassword: 'benchmark password' },
  });
  const tenantId = String(tenant.id);
  const key = await adminApiKey(base, `${slug}-admin@bench.example`, 'benchmark password');
  const list = (await call('POST', '/api/v1/lists', key, { name: 'Bench list' })) as { id: string };
  const lines = ['email,firstName,consentedAt,consentIp'];
  for (let i = 0; i < count; i++)
    lines.push(`person${i}@bench.example,First${i},2026-01-01T00:00:00Z,192.0.2.${i % 250}`);
  const upload = await fetch(`${base}/api/v1/lists/${list.id}/imports?consent=existing`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'text/csv' },
    body: `${lines.join('\n')}\n`,
  });
  const job = (await upload.json()) as { id: string };
  for (;;) {
    const j = (await call('GET', `/api/v1/imports/${job.id}`, key)) as { status: string };
    if (j.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { tenantId, key, listId: list.id };
}
