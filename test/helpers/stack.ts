/**
 * Builds the product's real parts for a test file, isolated from other files: its own
 * database prefix, task queue and data folder, against this run's real services.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { testServices, uniqueSuffix } from './services';

/** Configuration for one test file, as the api and worker would load it from the environment. */
export async function testConfig(
  overrides: Record<string, string> = {},
): Promise<{ config: Config; env: Record<string, string> }> {
  const services = testServices();
  const suffix = uniqueSuffix();
  const dataDir = await mkdtemp(path.join(services.dataDir, 'instance-'));
  const env: Record<string, string> = {
    CONSENTFLOW_DATA_DIR: dataDir,
    CONSENTFLOW_DB_PREFIX: `x${suffix}_`,
    CONSENTFLOW_TASK_QUEUE: `test-${suffix}`,
    CONSENTFLOW_LOG_LEVEL: 'warn',
    CONSENTFLOW_PLATFORM_TOKEN: `test-platform-token-${suffix}-0123456789abcdef`,
    MONGODB_URI: services.mongoUri,
    TEMPORAL_ADDRESS: services.temporalAddress,
    SMTP_PORT: String(services.smtpPort),
    ...overrides,
  };
  return { config: loadConfig(env), env };
}
