/**
 * API entry point: opens the api's services (src/wiring/api.ts), starts the background sweeps,
 * listens, and shuts down cleanly on SIGINT/SIGTERM (stop accepting, finish requests, stop
 * the sweeps, close connections).
 */
import { createApp } from './api/app';
import { listen } from './api/listen';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { runMain } from './startup';
import { startSweeps } from './sweeps';
import { openApiServices } from './wiring/api';

runMain('api', async () => {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const services = await openApiServices(config, logger);
  if (services.createdPlatformToken)
    console.log(
      `platform token (stored in ${config.platformTokenFile}): ${services.createdPlatformToken}`,
    );
  if (services.createdCodecToken) console.log(`codec token (stored in ${config.codec.tokenFile})`);
  const stopSweeps = startSweeps(services.sweeps, logger);
  const server = await listen(createApp(services.app), { ...config.http, tls: config.tls });
  logger.info({ port: config.http.port, https: config.tls !== undefined }, 'api listening');
  const stop = () => {
    server.close(async () => {
      stopSweeps();
      await services.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
