/**
 * Where this run's real services are (published by the global setup), plus per-file
 * isolation: every test file gets its own database prefix and task queue.
 */
import { randomBytes } from 'node:crypto';

const required = (name: string) => {
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`${name} is unset: run tests through jest's global setup (npm test)`);
  return value;
};

/** The services of this test run. */
export function testServices() {
  return {
    dataDir: required('CF_TEST_DATA_DIR'),
    mongoUri: required('CF_TEST_MONGODB_URI'),
    temporalAddress: required('CF_TEST_TEMPORAL_ADDRESS'),
    temporalUiPort: Number(required('CF_TEST_TEMPORAL_UI_PORT')) || undefined,
    smtpPort: Number(required('CF_TEST_SMTP_PORT')),
    sinkDir: required('CF_TEST_SINK_DIR'),
    temporalTestServer: required('CF_TEST_TEMPORAL_TEST_SERVER') || undefined,
    ferretdb: required('CF_TEST_FERRETDB') || undefined,
  };
}

/** A short random suffix for database prefixes, task queues and tenant ids. */
export const uniqueSuffix = () => randomBytes(4).toString('hex');
