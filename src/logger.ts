/**
 * Structured logging. Log lines carry opaque ids only (tenant, workflow, request ids),
 * never an address, name or IP: the privacy rule applies to logs as much as to payloads.
 */
import pino from 'pino';

/** The process-wide logger type. */
export type Logger = pino.Logger;

/** Creates the logger for one process; `name` says which (api, worker, local). */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    // Belt and braces: should a personal field ever reach a log call, it is censored.
    redact: {
      paths: [
        'email',
        '*.email',
        'phone',
        '*.phone',
        'ip',
        '*.ip',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
