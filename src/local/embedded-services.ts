/**
 * Starts the embedded services a local run or a test run needs: a MongoDB-wire server,
 * the Temporal dev server and the SMTP sink, each only when no external one is configured.
 */
import { startSmtpSink } from '../mail/smtp-sink';
import { startFerretDb } from './ferretdb';
import { provision } from './provision';
import type { Service } from './service';
import { startTemporalDevServer } from './temporal-dev-server';

/** Which embedded services to start, and where. */
export interface EmbeddedOptions {
  dataDir: string;
  mongo?: { port: number };
  temporal?: {
    port: number;
    uiPort: number;
    namespace: string;
    persistent: boolean;
    codecEndpoint?: string;
  };
  smtp?: { port: number; dir: string };
  log: (message: string) => void;
}

/** Starts the requested services; on failure stops what did start and rethrows. */
export async function startEmbeddedServices(options: EmbeddedOptions): Promise<Service[]> {
  const { log } = options;
  const [ferretdb, temporalCli] = await Promise.all([
    options.mongo ? provision('ferretdb', (line) => log(`  [ferretdb] ${line}`)) : undefined,
    options.temporal ? provision('temporal-cli', (line) => log(`  [temporal] ${line}`)) : undefined,
  ]);
  const started: Service[] = [];
  const track = async (promise: Promise<Service>) => started.push(await promise);
  const results = await Promise.allSettled([
    options.mongo &&
      (ferretdb
        ? track(
            startFerretDb({ binary: ferretdb, port: options.mongo.port, dataDir: options.dataDir }),
          )
        : Promise.reject(
            new Error(
              'no FerretDB binary could be provisioned; set MONGODB_URI to use a MongoDB server',
            ),
          )),
    options.temporal &&
      track(
        startTemporalDevServer({ cli: temporalCli, dataDir: options.dataDir, ...options.temporal }),
      ),
    options.smtp &&
      track(
        startSmtpSink({ host: '127.0.0.1', ...options.smtp }).then((sink) => ({
          name: 'SMTP sink',
          stop: sink.close,
        })),
      ),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stopServices(started);
    throw failure.reason;
  }
  return started;
}

/** Stops services in reverse start order, never throwing. */
export async function stopServices(services: Service[]): Promise<void> {
  for (const service of [...services].reverse()) {
    await service.stop().catch(() => undefined);
  }
}
