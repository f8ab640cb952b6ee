/**
 * bench/campaign: a campaign to N recipients through the real path (audience resolved at
 * send time, send workflow in batches of 100 with an idempotency record per recipient, the
 * template rendered per recipient with its merge fields, footer links and tracking pixel,
 * DKIM signed, relayed over pooled SMTP connections) into the embedded SMTP sink; and in the
 * same run, N messages of the same size sent by a bare nodemailer loop over the same number
 * of pooled connections to the same sink. Then the link checker on L distinct links, each
 * behind a chain of two local redirects, uncached.
 *
 *   npm run bench:campaign [-- --recipients 100000 --links 1000]
 *
 * Starts its own system (`npm start` on free ports, temporary data folder, campaign rate
 * raised to its maximum of 10,000/s so the rate limit does not decide the figure). Prints
 * messages per second for both and their ratio (target ≥ 0.5), the CPU time each process
 * used per message, and p50/p99 per checked link.
 */
import { createServer } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { createLinkChecker } from '../src/campaigns/link-check';
import { startSystem, systemCpu, tenantWithContacts } from './system';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    links: { type: 'string', default: '1000' },
  },
});
const N = Number(values.recipients);
const LINKS = Number(values.links);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(LINKS) || LINKS < 1) {
  console.error('usage: npm run bench:campaign [-- --recipients <n ≥ 1> --links <n ≥ 1>]');
  process.exit(2);
}
const step = (what: string) => console.error(`  … ${what}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const HTML = `<mjml><mj-body><mj-section><mj-column>
  <mj-text>Hello {{ contact.firstName | default: "friend" }},</mj-text>
  <mj-text>Spring is here: our new season starts this week, with everything you asked for.</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

async function main() {
  step('starting the system');
  const system = await startSystem({ extraEnv: { CONSENTFLOW_CAMPAIGN_RATE: '10000' } });
  const mailDir = path.join(system.dataDir, 'mail');
  const messagesInSink = async () => (await readdir(mailDir).catch(() => [])).length;
  try {
    step(`importing ${N} recipients`);
    const { key, listId } = await tenantWithContacts(system, 'Campaign bench', N);
    await system.call('PUT', '/api/v1/settings/postal-address', key, {
      postalAddress: 'Via Roma 1, 10121 Torino, Italy',
    });
    const template = await system.call('POST', '/api/v1/templates', key, {
      name: 'Spring',
      subject: 'Spring news',
      html: HTML,
    });
    const campaign = await system.call('POST', '/api/v1/campaigns', key, {
      name: 'Spring',
      listIds: [listId],
      templateId: template.id,
      tracking: true,
    });

    step(`sending the campaign to ${N} recipients`);
    const inSinkBefore = await messagesInSink();
    const cpuBefore = await systemCpu(system.pid);
    const t0 = performance.now();
    await system.call('POST', `/api/v1/campaigns/${campaign.id}/send`, key);
    let stats: Record<string, number> = {};
    for (;;) {
      const c = (await system.call('GET', `/api/v1/campaigns/${campaign.id}`, key)) as {
        status: string;
        stats: Record<string, number>;
      };
      stats = c.stats;
      if (c.status === 'sent') break;
      if (c.status === 'failed' || c.status === 'cancelled')
        throw new Error(`campaign ${c.status}`);
      await pause(250);
    }
    const campaignSeconds = (performance.now() - t0) / 1000;
    const cpuAfter = await systemCpu(system.pid);
    const delivered = (await messagesInSink()) - inSinkBefore;
    if (stats.sent !== N || delivered !== N)
      throw new Error(`sent ${stats.sent}, ${delivered} in the sink, of ${N}`);

    // The baseline: the same number of messages of the same size, straight to the sink.
    step(`baseline: ${N} messages by a bare nodemailer loop`);
    const sample = (await readdir(mailDir))[0]!;
    const { size } = await stat(path.join(mailDir, sample));
    const body = 'Spring is here. '.repeat(Math.max(1, Math.floor(size / 2 / 16)));
    const bare = nodemailer.createTransport({
      host: '127.0.0.1',
      port: system.ports.smtp,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 5, // as the product's transport (src/mail/transport.ts)
    });
    const t1 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = next++; i < N; i = next++)
          await bare.sendMail({
            from: 'bench@bench.example',
            to: `person${i}@bench.example`,
            subject: 'Spring news',
            text: body,
            html: `<p>${body}</p>`,
          });
      }),
    );
    const bareSeconds = (performance.now() - t1) / 1000;
    bare.close();

    // The link checker: distinct links, each redirected twice before it lands.
    step(`link checker: ${LINKS} links behind two redirects each`);
    const server = createServer((req, res) => {
      const [, kind, id] = req.url!.split('/');
      if (kind === 'a') res.writeHead(302, { location: `/b/${id}` }).end();
      else if (kind === 'b') res.writeHead(301, { location: `/land/${id}` }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<p>landed</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Tests and benchmarks allow loopback explicitly; production never does.
    const checker = createLinkChecker({ allowPrivate: true, blocklist: ['blocked.example'] });
    const linkMs: number[] = [];
    for (let i = 0; i < LINKS; i++) {
      const t = performance.now();
      const [verdict] = await checker.check([{ url: `http://localhost:${port}/a/${i}` }]);
      linkMs.push(performance.now() - t);
      if (verdict?.verdict !== 'ok' || verdict.hops.length !== 2)
        throw new Error(`link ${i}: ${JSON.stringify(verdict)}`);
    }
    await checker.close();
    server.close();
    linkMs.sort((a, b) => a - b);

    const campaignRate = N / campaignSeconds;
    const bareRate = N / bareSeconds;
    const cpuPerMessage = Object.fromEntries(
      Object.keys(cpuAfter)
        .filter((name) => name !== 'bench' && name !== 'other')
        .map((name) => [
          name,
          `${(((cpuAfter[name]! - (cpuBefore[name] ?? 0)) * 1000) / N).toFixed(2)} ms`,
        ]),
    );
    console.log(
      JSON.stringify(
        {
          recipients: N,
          campaign: {
            seconds: campaignSeconds.toFixed(1),
            messagesPerSecond: campaignRate.toFixed(0),
            stats,
            cpuPerMessage,
          },
          bareNodemailer: {
            seconds: bareSeconds.toFixed(1),
            messagesPerSecond: bareRate.toFixed(0),
            messageBytes: size,
          },
          ratio: (campaignRate / bareRate).toFixed(2),
          linkChecker: {
            links: LINKS,
            redirectsPerLink: 2,
            p50Ms: pct(linkMs, 0.5).toFixed(2),
            p99Ms: pct(linkMs, 0.99).toFixed(2),
          },
          method:
            'campaign: from POST /send to status "sent" (polled every 250 ms), every message counted in the sink; baseline: the same count of messages of the same size through nodemailer with a pool of 5 connections, 50 in flight, to the same sink, after the campaign; link checker: one uncached check per link against a local server (302, 301, 200), one at a time',
        },
        null,
        2,
      ),
    );
  } finally {
    await system.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
