/**
 * Start-up failures are reported as one clear line naming the service and what to do, then a
 * non-zero exit: no stack traces for an operator who only mistyped a port.
 */
import { ConfigError } from './config';

/** A dependency that could not be reached at start, with advice for the operator. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Hides credentials in a connection URL before it appears in a message. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Runs `attempt`; on failure throws a StartupError naming the service and the fix. */
export async function reach<T>(
  service: string,
  where: string,
  advice: string,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new StartupError(`cannot reach ${service} at ${where} (${reason}); ${advice}`);
  }
}

/** Runs an entry point, turning known start-up failures into one line and exit code 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof StartupError) {
      console.error(`${name}: ${err.message}`);
    } else {
      console.error(`${name}: failed to start:`, err);
    }
    process.exit(1);
  });
}
