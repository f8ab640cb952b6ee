/** Stops the services the global setup started and removes their temporary folder. */
import { rm } from 'node:fs/promises';
import { stopServices } from '../../src/local/embedded-services';

export default async function globalTeardown(): Promise<void> {
  await stopServices(global.__consentflowTestServices ?? []);
  const dir = process.env.CF_TEST_DATA_DIR;
  if (dir) await rm(dir, { recursive: true, force: true });
}
