/**
 * Mail as the embedded sink received it, read through `GET /api/dev/mail` of an app, and the
 * recipient links in it.
 */
import type { Express } from 'express';
import request from 'supertest';

/** A message as the dev mail route lists it. */
export interface SinkMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/** Waits (up to 20 s) for the sink to hold `count` messages to `address`; returns them. */
export async function mailTo(app: Express, address: string, count = 1): Promise<SinkMail[]> {
  for (let i = 0; i < 100; i++) {
    const res = await request(app).get('/api/dev/mail');
    const mine = (res.body.messages as SinkMail[]).filter((m) => m.to.includes(address));
    if (mine.length >= count) return mine;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seen = (await request(app).get('/api/dev/mail')).body.messages.map((m: SinkMail) => m.to);
  throw new Error(`no mail to ${address} in ${JSON.stringify(seen)}`);
}

/** The path of the mail's `/<prefix>/<token>` link (`c`, `u`, `p`, `k`). */
export function linkPath(text: string, prefix: string): string {
  const match = new RegExp(`https?://[^/\\s]+(/${prefix}/[A-Za-z0-9._-]+)`).exec(text);
  if (!match) throw new Error(`no /${prefix}/ link in the mail`);
  return match[1]!;
}
