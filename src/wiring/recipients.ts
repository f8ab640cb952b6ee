/**
 * Part of the wiring module: opens what recipients' mail and links need in a process (api and
 * worker alike): the link secret (configured, or generated once under the data folder so
 * every process agrees), the token signer, the link builder, the DKIM key store, the SMTP
 * transport, the tenants' sending domains and the mailer.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config';
import type { DataLayer } from '../db/open';
import { createDkimKeys } from '../mail/dkim-keys';
import { createMailer } from '../mail/mailer';
import { createMailTransport } from '../mail/transport';
import { createTxtLookup } from '../mail/dns-txt';
import { createSendingDomains } from '../mail/sending-domains';
import { ensureGeneratedToken } from '../util/secret-file';
import { createLinkTokens } from '../consent/link-tokens';
import { createRecipientLinks } from '../consent/recipient-links';

/** The opened mail and link services. */
export type RecipientServices = Awaited<ReturnType<typeof openRecipientServices>>;

/** Opens the services. */
export async function openRecipientServices(config: Config, data: DataLayer) {
  const { token: secret } = await ensureGeneratedToken(
    config.links.secret,
    config.links.secretFile,
    'cfl',
  );
  const tokens = createLinkTokens(secret);
  const links = createRecipientLinks(tokens, config.http.publicUrl);
  const dkim = createDkimKeys(data, config.smtp.domain);
  const sendingDomains = createSendingDomains(data, createTxtLookup(config.dns.servers));
  const transport = createMailTransport(config.smtp.url, {
    requireTls: config.smtp.requireTls,
    ca: config.smtp.tlsCaFile ? await readFile(config.smtp.tlsCaFile, 'utf8') : undefined,
  });
  const mailer = createMailer({
    transport,
    dkim,
    sendingDomains,
    tenants: data.tenants,
    from: config.smtp.from,
  });
  return { secret, tokens, links, dkim, sendingDomains, transport, mailer };
}
