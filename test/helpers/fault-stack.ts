/**
 * A whole system that a test may break: its own FerretDB, its own Temporal dev server (state
 * in a SQLite file, so workflows survive its restart), its own SMTP relay (a real SMTP server
 * that records what arrives and can be stopped), and the api and workers as real child
 * processes (`src/server.ts`, `src/worker.ts`). The harness restarts an api or worker that
 * dies unasked, as `npm start`'s supervisor would, and counts it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../src/config';
import { openDataLayer, type DataLayer } from '../../src/db/open';
import { startFerretDb } from '../../src/local/ferretdb';
import { freePort, waitForPort } from '../../src/local/ports';
import { provision } from '../../src/local/provision';
import type { Service } from '../../src/local/service';
import { startTemporalDevServer } from '../../src/local/temporal-dev-server';
import { spawnEntry, type Spawned } from './processes';
import { testServices } from './services';
import { testConfig } from './stack';

/** A message as the relay received it. */
export interface RelayedMail {
  to: string[];
  subject: string;
  messageId: string;
  text: string;
}

/** A real SMTP server keeping every message in memory; `stop` drops open connections at once. */
export class RecordingRelay {
  readonly messages: RelayedMail[] = [];
  private server?: SMTPServer;
  private parsing = new Set<Promise<void>>();

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 10, // a stopped relay cuts its pooled connections too
      onData: (stream, _session, callback) => {
        const parsed = simpleParser(stream).then((mail) => {
          const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
          this.messages.push({
            to: to.map((a) => a.toLowerCase()),
            subject: mail.subject ?? '',
            messageId: mail.messageId ?? '',
            text: mail.text ?? '',
          });
        });
        this.parsing.add(parsed);
        parsed.then(
          () => (this.parsing.delete(parsed), callback()),
          (err: Error) => (this.parsing.delete(parsed), callback(err)),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages to `address` whose subject matches. */
  to(address: string, subject?: RegExp): RelayedMail[] {
    const lower = address.toLowerCase();
    return this.messages.filter(
      (m) => m.to.includes(lower) && (subject === undefined || subject.test(m.subject)),
    );
  }
}

/** One role's process (api or worker), restarted by the harness when it dies unasked. */
export class Role {
  current?: Spawned;
  unexpectedExits = 0;
  private stopping = false;
  private starts = 0;
  /** This role's number among the roles of its file (the second worker is `worker.2`). */
  private readonly instance: number;

  constructor(
    private readonly file: string,
    private readonly env: () => Record<string, string>,
    private readonly ready: RegExp,
    private readonly log: (line: string) => void,
    /** Where each start's output is written (`worker.1-2.log`: its second start), when set. */
    private readonly logDir?: string,
  ) {
    this.instance = (Role.instances.get(file) ?? 0) + 1;
    Role.instances.set(file, this.instance);
  }

  private static readonly instances = new Map<string, number>();

  async start(): Promise<void> {
    const spawned = spawnEntry(this.file, this.env());
    this.current = spawned;
    this.starts += 1;
    if (this.logDir) {
      const out = createWriteStream(
        path.join(
          this.logDir,
          `${path.basename(this.file, '.ts')}.${this.instance}-${this.starts}.log`,
        ),
      );
      spawned.child.stdout.pipe(out);
      spawned.child.stderr.pipe(out);
    }
    void spawned.exit.then((code) => {
      if (this.stopping || this.current !== spawned || spawned.child.signalCode === 'SIGKILL')
        return;
      this.unexpectedExits += 1;
      this.log(`${this.file} exited unasked (code ${code}); restarting it`);
      this.log(spawned.output().slice(-1500));
      setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
    await spawned.waitFor(this.ready, 120_000);
  }

  /** SIGKILLs the process and starts a new one at once (without waiting for it to be ready). */
  async kill(): Promise<Promise<void>> {
    const old = this.current!;
    old.child.kill('SIGKILL');
    await old.exit;
    return this.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.child.kill('SIGKILL');
    await this.current?.exit;
  }
}

/** A running breakable system. */
export interface FaultStack {
  config: Config;
  /** The (first) api's base URL. */
  base: string;
  /** Every api process's base URL, in the order of `apis`. */
  bases: string[];
  platformToken: string;
  relay: RecordingRelay;
  /** The test's own connection to the database, for counting what is stored. */
  data: DataLayer;
  /** The first api process. */
  api: Role;
  apis: Role[];
  workers: Role[];
  restartTemporal(downMs?: number): Promise<void>;
  restartDatabase(downMs?: number): Promise<void>;
  stopRelay(downMs: number): Promise<void>;
  /** What the harness did, in order, with seconds since the start. */
  events: string[];
  note(event: string): void;
  stop(): Promise<void>;
}

/** Starts the system with `workers` worker processes and `apis` api processes (one each). */
export async function startFaultStack(
  options: { workers?: number; apis?: number; env?: Record<string, string> } = {},
): Promise<FaultStack> {
  const started = Date.now();
  const events: string[] = [];
  const note = (event: string) =>
    events.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${event}`);
  const services = testServices();
  if (!services.ferretdb) throw new Error('the fault suite needs the embedded FerretDB');
  const dataDir = await mkdtemp(path.join(services.dataDir, 'faults-'));
  const [mongoPort, temporalPort, uiPort, smtpPort] = (await Promise.all(
    Array.from({ length: 4 }, () => freePort()),
  )) as [number, number, number, number];
  const apiPorts = await Promise.all(Array.from({ length: options.apis ?? 1 }, () => freePort()));
  const apiPort = apiPorts[0]!;
  const cli = await provision('temporal-cli');
  const startDatabase = () =>
    startFerretDb({ binary: services.ferretdb!, port: mongoPort, dataDir });
  const startTemporal = () =>
    startTemporalDevServer({
      cli,
      port: temporalPort,
      uiPort,
      dataDir,
      namespace: 'default',
      persistent: true, // its state must outlive the restart
    });
  let database: Service = await startDatabase();
  let temporal: Service = await startTemporal();
  const relay = new RecordingRelay(smtpPort);
  await relay.start();

  const { config, env } = await testConfig({
    CONSENTFLOW_DATA_DIR: dataDir,
    MONGODB_URI: `mongodb://127.0.0.1:${mongoPort}/`,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    SMTP_PORT: String(smtpPort),
    PORT: String(apiPort),
    CONSENTFLOW_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    CONSENTFLOW_LOG_LEVEL: 'info', // the harness waits for "api listening" and "worker running"
    CONSENTFLOW_SUBSCRIBE_LIMIT_IP: '100000',
    CONSENTFLOW_SUBSCRIBE_LIMIT_ADDRESS: '100000',
    ...options.env,
  });
  const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);
  // CF_FAULTS_LOGS keeps every process's output (the run's data folder is removed at the end).
  const logDir = process.env.CF_FAULTS_LOGS;
  if (logDir) await mkdir(logDir, { recursive: true });
  const workers = Array.from(
    { length: options.workers ?? 1 },
    () => new Role('src/worker.ts', () => env, /worker running/, log, logDir),
  );
  // Every api serves the same public URL (the first's), as replicas behind one load balancer.
  const apis = apiPorts.map(
    (port) =>
      new Role(
        'src/server.ts',
        () => ({ ...env, PORT: String(port) }),
        /api listening/,
        log,
        logDir,
      ),
  );
  const api = apis[0]!;
  await Promise.all(workers.map((w) => w.start()));
  await Promise.all(apis.map((a) => a.start()));
  const data = await openDataLayer(config);
  note('system up');

  return {
    config,
    base: `http://127.0.0.1:${apiPort}`,
    bases: apiPorts.map((port) => `http://127.0.0.1:${port}`),
    platformToken: env.CONSENTFLOW_PLATFORM_TOKEN!,
    relay,
    data,
    api,
    apis,
    workers,
    events,
    note,
    async restartTemporal(downMs = 2000) {
      note('Temporal dev server stopped');
      await temporal.stop();
      await new Promise((r) => setTimeout(r, downMs));
      temporal = await startTemporal();
      note('Temporal dev server started again');
    },
    async restartDatabase(downMs = 2000) {
      note('FerretDB stopped');
      await database.stop();
      await new Promise((r) => setTimeout(r, downMs));
      database = await startDatabase();
      await waitForPort(mongoPort, 30_000);
      note('FerretDB started again');
    },
    async stopRelay(downMs) {
      note('SMTP relay stopped');
      await relay.stop();
      await new Promise((r) => setTimeout(r, downMs));
      await relay.start();
      note('SMTP relay started again');
    },
    async stop() {
      await Promise.all(apis.map((a) => a.stop()));
      await Promise.all(workers.map((w) => w.stop()));
      await data.mongo.close().catch(() => undefined);
      await relay.stop();
      await temporal.stop();
      await database.stop();
    },
  };
}
