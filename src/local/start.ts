/**
 * `npm start`: runs the whole system on one machine. Starts the embedded services that no
 * external URL replaces, then the worker and the api as child processes, and prints where
 * everything is. Once the system is ready it supervises the two children: one that dies is
 * started again with backoff (src/local/supervise.ts), and the api's `/healthz` says while
 * the worker is down. A child dying before the system is ready stops everything (a bad
 * setting, an unreachable service); Ctrl-C stops every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { ensureCodecToken } from '../auth/codec-token';
import { ensurePlatformToken } from '../auth/platform-token';
import { loadConfig, type Config } from '../config';
import { runMain, StartupError } from '../startup';
import { projectRoot as root } from '../util/project-root';
import { startEmbeddedServices, stopServices } from './embedded-services';
import { isPortFree } from './ports';
import { stopChild, type Service } from './service';
import { supervise, type Supervised } from './supervise';
import { statusWriter } from '../supervisor-status';

const log = (message: string) => console.log(`[consentflow] ${message}`);

runMain('consentflow', async () => {
  const startedAt = Date.now();
  const config = loadConfig();
  const apiUrl = `${config.tls ? 'https' : 'http'}://localhost:${config.http.port}`;
  await assertPortsFree(config);
  const { token, created } = await ensurePlatformToken(
    config.platformToken,
    config.platformTokenFile,
  );
  if (created) log(`platform token (shown once, stored in ${config.platformTokenFile}): ${token}`);
  const codecToken = await ensureCodecToken(config.codec.token, config.codec.tokenFile);

  log('starting embedded services…');
  const services: Service[] = await startEmbeddedServices({
    dataDir: config.dataDir,
    mongo: config.mongo.embedded ? { port: config.mongo.port } : undefined,
    temporal: config.temporal.embedded
      ? {
          port: config.temporal.port,
          uiPort: config.temporal.uiPort,
          namespace: config.temporal.namespace,
          persistent: true,
          // Only this local UI gets the secret codec URL; the api checks the token in it.
          codecEndpoint: `${apiUrl}/codec/${codecToken.token}`,
        }
      : undefined,
    smtp: config.smtp.embedded ? { port: config.smtp.port, dir: config.smtp.sinkDir } : undefined,
    log,
  });

  // The children's health as the supervisor sees it, for the api's `/healthz`.
  const statusFile = path.join(config.dataDir, 'supervisor.json');
  const spawnChild = (entry: 'worker' | 'server') =>
    spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', `${entry}.ts`)], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        CONSENTFLOW_PLATFORM_TOKEN: token,
        CONSENTFLOW_CODEC_TOKEN: codecToken.token,
        CONSENTFLOW_SUPERVISOR_STATUS: statusFile,
      },
    });
  const first = { worker: spawnChild('worker'), api: spawnChild('server') };
  /** Set once the system is ready: from then on a child that dies is started again. */
  const supervision: { of?: Record<'worker' | 'api', Supervised> } = {};
  const reportStatus = statusWriter(statusFile, () =>
    supervision.of
      ? { worker: supervision.of.worker.status(), api: supervision.of.api.status() }
      : {
          worker: { state: 'running', pid: first.worker.pid, restarts: 0 },
          api: { state: 'running', pid: first.api.pid, restarts: 0 },
        },
  );
  /** Asks Temporal, once the system is ready, whether a restarted worker polls. */
  const temporalLink: { connection?: Connection } = {};

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    const children = supervision.of
      ? Object.values(supervision.of).map((s) => {
          s.release();
          return s.child();
        })
      : Object.values(first);
    await Promise.all(children.map((child) => child && stopChild(child)));
    await temporalLink.connection?.close().catch(() => undefined);
    await stopServices(services);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  // Before the system is ready, a child that dies is a start-up failure: everything stops.
  for (const [name, child] of Object.entries(first)) {
    const failed = (how: string) => {
      if (stopping || supervision.of) return;
      log(`${name} ${how}; stopping everything`);
      void shutdown(1);
    };
    child.once('exit', (code, signal) => failed(`exited (${signal ?? `code ${code}`})`));
    child.once('error', (err) => failed(`could not run (${err.name})`));
  }
  reportStatus();

  try {
    await waitForHealthy(config, () => stopping);
  } catch (err) {
    await Promise.all(Object.values(first).map((child) => stopChild(child)));
    await stopServices(services);
    throw err;
  }
  if (stopping) return; // Ctrl-C or a child's death during the start: shutdown has it
  const polling = await Connection.connect({ address: config.temporal.address });
  temporalLink.connection = polling;
  const healthUrl = `${config.tls ? 'https' : 'http'}://127.0.0.1:${config.http.port}/healthz`;
  /** Resolves once `ready` holds, checking every 250 ms while `child` lives. */
  const readyWhen = (child: ChildProcess, ready: () => Promise<boolean>) =>
    new Promise<void>((resolve, reject) => {
      const check = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('died'));
        if (await ready()) return resolve();
        setTimeout(() => void check(), 250).unref();
      };
      void check();
    });
  supervision.of = {
    worker: supervise('worker', first.worker, () => spawnChild('worker'), {
      log,
      changed: reportStatus,
      // The restarted worker serves once Temporal sees it poll (its identity names its pid).
      ready: (child) =>
        readyWhen(child, () =>
          workerPolls(polling, config, (id) => id.startsWith(`${child.pid}@`)),
        ),
    }),
    api: supervise('api', first.api, () => spawnChild('server'), {
      log,
      changed: reportStatus,
      ready: (child) => readyWhen(child, () => answersOk(healthUrl, true)),
    }),
  };
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`ready in ${seconds} s`);
  log(`  API and UI       ${apiUrl}  (health: /healthz)`);
  if (config.temporal.embedded)
    log(`  Temporal Web UI  http://localhost:${config.temporal.uiPort}`);
  if (config.smtp.embedded) log(`  Mail sink        ${apiUrl}/api/dev/mail`);
  log('press Ctrl-C to stop');
});

/** Refuses to start when a port we would bind is taken, instead of failing half-way. */
async function assertPortsFree(config: Config): Promise<void> {
  const wanted: [number, string][] = [[config.http.port, 'PORT']];
  if (config.mongo.embedded) wanted.push([config.mongo.port, 'MONGODB_PORT']);
  if (config.temporal.embedded)
    wanted.push(
      [config.temporal.port, 'TEMPORAL_PORT'],
      [config.temporal.uiPort, 'TEMPORAL_UI_PORT'],
    );
  if (config.smtp.embedded) wanted.push([config.smtp.port, 'SMTP_PORT']);
  for (const [port, name] of wanted) {
    if (!(await isPortFree(port))) {
      throw new StartupError(
        `port ${port} (${name}) is already in use: is Consentflow already running? Stop it, or set ${name} (and CONSENTFLOW_DATA_DIR) to run another instance`,
      );
    }
  }
}

/**
 * Whether a GET answers 200 (with `anyStatus`: answers at all). Over HTTPS the certificate is not verified: this is the
 * supervisor asking its own child on the loopback address, and the configured certificate
 * names the public host, not 127.0.0.1.
 */
function answersOk(url: string, anyStatus = false): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(anyStatus || res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** Polls `/healthz` until every dependency is ok and the worker polls its task queue. */
async function waitForHealthy(config: Config, aborted: () => boolean): Promise<void> {
  const url = `${config.tls ? 'https' : 'http'}://127.0.0.1:${config.http.port}/healthz`;
  const deadline = Date.now() + 180_000;
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    while (!aborted()) {
      const apiOk = await answersOk(url);
      if (apiOk && (await workerPolls(connection, config))) return;
      if (Date.now() > deadline) {
        throw new StartupError(`the system did not become healthy at ${url} within 3 minutes`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await connection.close();
  }
}

/** Whether a worker (one whose identity `matches`, if given) polls the task queue. */
function workerPolls(
  connection: Connection,
  config: Config,
  matches: (identity: string) => boolean = () => true,
): Promise<boolean> {
  return connection.workflowService
    .describeTaskQueue({
      namespace: config.temporal.namespace,
      taskQueue: { name: config.temporal.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    })
    .then(
      (queue) => (queue.pollers ?? []).some((poller) => matches(poller.identity ?? '')),
      () => false,
    );
}
