/**
 * TLS to the relay: with `SMTP_TLS=required` the mailer speaks to an `smtp://` relay only
 * after STARTTLS (the relay's certificate trusted through `SMTP_TLS_CA`), and a relay that
 * offers no STARTTLS is refused with a clear error, the message left unsent. Real SMTP
 * servers (smtp-server) with a certificate made for the test (selfsigned), the real wiring
 * and the real database.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate as generateCertificate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config';
import { openRecipientServices } from '../../src/wiring/recipients';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

interface Received {
  secure: boolean;
  raw: string;
}

/** A relay on a free loopback port; `tls` offers STARTTLS with that key and certificate. */
async function startRelay(tls?: { key: string; cert: string }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    ...(tls ? { key: tls.key, cert: tls.cert } : { disabledCommands: ['STARTTLS'] }),
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ secure: session.secure, raw: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { received, port, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('TLS to the relay', () => {
  let stack: AppStack;
  let tenantId: string;
  let caFile: string;
  let pems: { private: string; cert: string };
  const marker = uniqueSuffix();

  beforeAll(async () => {
    stack = await startAppStack();
    tenantId = (await buildTenant(stack.app, stack.platformToken)).tenantId;
    pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    caFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'cf-relay-')), 'ca.pem');
    await writeFile(caFile, pems.cert);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The mailer as a process configured for this relay would wire it. */
  const mailerFor = (port: number) =>
    openRecipientServices(
      loadConfig({
        ...stack.env,
        SMTP_URL: `smtp://localhost:${port}`,
        SMTP_TLS: 'required',
        SMTP_TLS_CA: caFile,
      }),
      stack.data,
    );
  const message = (sendKey: string) => ({
    tenantId,
    sendKey,
    to: `reader.${marker}@example.test`,
    subject: 'Over TLS',
    text: 'Hello',
  });
  const statusOf = async (sendKey: string) => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    return (await tenant.models.Send.findById(sendKey).lean())?.status;
  };

  it('sends over STARTTLS when TLS is required and the relay offers it', async () => {
    const relay = await startRelay({ key: pems.private, cert: pems.cert });
    const services = await mailerFor(relay.port);
    try {
      const sendKey = `tls-test:${marker}:ok`;
      expect(await services.mailer.sendOnce(message(sendKey))).toBe('sent');
      expect(relay.received).toHaveLength(1);
      expect(relay.received[0]!.secure).toBe(true);
      expect(relay.received[0]!.raw).toContain('Subject: Over TLS');
      expect(await statusOf(sendKey)).toBe('sent');
    } finally {
      services.transport.close();
      await relay.stop();
    }
  });

  it('refuses a relay without STARTTLS when TLS is required, and marks nothing sent', async () => {
    const relay = await startRelay();
    const services = await mailerFor(relay.port);
    try {
      const sendKey = `tls-test:${marker}:plain`;
      await expect(services.mailer.sendOnce(message(sendKey))).rejects.toThrow(/STARTTLS/i);
      expect(relay.received).toHaveLength(0);
      expect(await statusOf(sendKey)).not.toBe('sent');
    } finally {
      services.transport.close();
      await relay.stop();
    }
  });
});
