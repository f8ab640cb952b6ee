/** The outgoing mail transport: the configured relay, or the embedded sink by default. */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

/** Creates the SMTP transport for a relay URL (`smtp://` or `smtps://`). */
export function createMailTransport(url: string): Transporter<SMTPTransport.SentMessageInfo> {
  const options: SMTPTransport.Options & { url: string } = {
    url,
    // Fail fast: a health check or a send must not hang on a dead relay.
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 30000,
  };
  return nodemailer.createTransport(options);
}
