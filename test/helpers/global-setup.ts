/**
 * Starts the real services for this test run on free ports, in a fresh temporary folder,
 * and publishes where they are through CF_TEST_* variables read by test/helpers/services.ts.
 * MONGODB_URI or TEMPORAL_ADDRESS in the environment replace the embedded server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedServices } from '../../src/local/embedded-services';
import { freePort } from '../../src/local/ports';
import { provision } from '../../src/local/provision';
import type { Service } from '../../src/local/service';

declare global {
  var __consentflowTestServices: Service[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // The api serves the built console; browser tests and the console routes need it current.
  const ui = spawnSync(process.execPath, [path.join(__dirname, '../../scripts/build-ui.mjs')], {
    stdio: 'inherit',
  });
  if (ui.status !== 0) throw new Error('building the web console failed (scripts/build-ui.mjs)');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'consentflow-test-'));
  const [mongoPort, temporalPort, uiPort, smtpPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const sinkDir = path.join(dataDir, 'mail');
  const externalMongo = process.env.MONGODB_URI;
  const externalTemporal = process.env.TEMPORAL_ADDRESS;

  global.__consentflowTestServices = await startEmbeddedServices({
    dataDir,
    mongo: externalMongo ? undefined : { port: mongoPort },
    temporal: externalTemporal
      ? undefined
      : { port: temporalPort, uiPort, namespace: 'default', persistent: false },
    smtp: { port: smtpPort, dir: sinkDir },
    log,
  });
  const [testServer, ferretdb] = await Promise.all([
    provision('temporal-test-server', log),
    externalMongo ? undefined : provision('ferretdb', log),
  ]);

  Object.assign(process.env, {
    CF_TEST_DATA_DIR: dataDir,
    CF_TEST_MONGODB_URI: externalMongo ?? `mongodb://127.0.0.1:${mongoPort}/`,
    CF_TEST_TEMPORAL_ADDRESS: externalTemporal ?? `127.0.0.1:${temporalPort}`,
    CF_TEST_TEMPORAL_UI_PORT: externalTemporal ? '' : String(uiPort),
    CF_TEST_SMTP_PORT: String(smtpPort),
    CF_TEST_SINK_DIR: sinkDir,
    CF_TEST_TEMPORAL_TEST_SERVER: testServer ?? '',
    CF_TEST_FERRETDB: ferretdb ?? '',
  });
  log(`test services ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data: ${dataDir})`);
}
