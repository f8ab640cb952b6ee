/** The outgoing mail transport: the configured relay, or the embedded sink by default. */
import tls from 'node:tls';
import nodemailer, { type Transporter } from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool';

/** The transport type every sender uses. */
export type MailTransport = Transporter<SMTPPool.SentMessageInfo>;

/**
 * Creates the SMTP transport for a relay URL (`smtp://` or `smtps://`). With `requireTls`, an
 * `smtp://` relay that does not offer STARTTLS is refused rather than spoken to in clear
 * (`smtps://` is TLS from the first byte either way).
 */
export function createMailTransport(
  url: string,
  options: { requireTls?: boolean; ca?: string } = {},
): MailTransport {
  const settings: SMTPPool.Options & { url: string } = {
    url,
    // A pool of connections kept open, as bulk senders do: a confirmation mail then costs one
    // SMTP transaction, not a TCP (and TLS) handshake and a greeting each.
    pool: true,
    maxConnections: 5,
    maxMessages: 1000,
    requireTLS: options.requireTls ?? false,
    // A private CA's certificate (SMTP_TLS_CA) is trusted beside the system's, never instead.
    ...(options.ca ? { tls: { ca: [...tls.rootCertificates, options.ca] } } : {}),
    // Fail fast: a health check or a send must not hang on a dead relay.
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 30000,
  };
  // The pool is built here, not by createTransport: given an object with a `url`,
  // createTransport keeps only what the URL says and drops every other setting (requireTLS,
  // the pool, the timeouts); the pool merges the URL into these settings instead.
  return nodemailer.createTransport(new SMTPPool(settings));
}
