/**
 * Alerts for the platform operator: something the product cannot fix by retrying alone and a
 * person must look at before a legal deadline passes (a tenant's deletion step that keeps
 * failing). Each alert is an error line in the log, which log-based alerting picks up, and a
 * mail to the operator's address when one is configured. Alerts name opaque ids only.
 *
 * They go through the relay directly, never through a tenant's mailer: the tenant they are
 * about may be half deleted, its database and DKIM key already gone.
 */
import type { Logger } from '../logger';
import type { MailTransport } from './transport';

/** One alert: a subject line and the details, ids and times only. */
export interface OperatorAlert {
  subject: string;
  text: string;
  /** Opaque ids the log line carries, for searching. */
  ids: Record<string, string>;
}

/** Raises operator alerts. */
export type OperatorAlerts = ReturnType<typeof createOperatorAlerts>;

/** Creates the alerter; without `to`, alerts are logged only. */
export function createOperatorAlerts(deps: {
  transport: MailTransport;
  from: string;
  to?: string;
  logger: Logger;
}) {
  return {
    /** Logs the alert and mails it; a relay failure is logged, never thrown (the log has it). */
    async raise(alert: OperatorAlert): Promise<'mailed' | 'logged'> {
      deps.logger.error({ ...alert.ids, alert: alert.subject }, 'operator alert');
      if (!deps.to) return 'logged';
      try {
        await deps.transport.sendMail({
          from: deps.from,
          to: deps.to,
          subject: `[Consentflow operator] ${alert.subject}`,
          text: alert.text,
        });
        return 'mailed';
      } catch (err) {
        deps.logger.error(
          { ...alert.ids, err: err instanceof Error ? err.name : typeof err },
          'operator alert not mailed',
        );
        return 'logged';
      }
    },
  };
}
