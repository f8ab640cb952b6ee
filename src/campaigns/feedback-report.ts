/**
 * Reading bounce and complaint reports: a delivery status notification (RFC 3464,
 * `multipart/report; report-type=delivery-status`) or an abuse feedback report (RFC 5965,
 * `report-type=feedback-report`), parsed with mailparser. What matters is the verdict (a
 * permanent failure, a transient one, a complaint) and the original message's
 * `X-Consentflow-Feedback` header, which both kinds quote in their third part (the whole
 * message, or its headers). Pure: nothing is looked up here.
 */
import { simpleParser, type Attachment } from 'mailparser';
import { FEEDBACK_HEADER } from '../mail/mailer';

/** What a report says about the message it quotes. */
export interface FeedbackReport {
  kind: 'hard_bounce' | 'soft_bounce' | 'complaint';
  /** The quoted `X-Consentflow-Feedback` token; absent when the report quotes none. */
  token?: string;
  /** The DSN's status code (`5.1.1`), or the ARF feedback type (`abuse`). */
  detail: string;
}

/** Why a message is not a report this product reads (400 for the webhook, a 5xx never). */
export class NotAFeedbackReport extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'NotAFeedbackReport';
  }
}

/** Header-style fields (`Name: value`, folded lines joined), lower-cased names, in order. */
function fieldsOf(text: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of text
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields.push([line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()]);
  }
  return fields;
}

const partOf = (parts: Attachment[], ...types: string[]) =>
  parts.find((p) => types.includes(p.contentType.toLowerCase()));

/** The token in the quoted original's headers (the part before its first blank line). */
function quotedToken(parts: Attachment[]): string | undefined {
  const original = partOf(parts, 'message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers');
  if (!original) return undefined;
  const headers = original.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const name = FEEDBACK_HEADER.toLowerCase();
  const token = fieldsOf(headers).find(([field]) => field === name)?.[1];
  // A JWS: three base64url parts; anything else is not ours.
  return token && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token.replace(/\s+/g, ''))
    ? token.replace(/\s+/g, '')
    : undefined;
}

/** Reads a raw report; throws NotAFeedbackReport for any other message. */
export async function readFeedbackReport(raw: Buffer): Promise<FeedbackReport> {
  const parsed = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    keepCidLinks: true,
    keepDeliveryStatus: true, // the status part as a part of its own, not merged into the text
  } as Parameters<typeof simpleParser>[1]);
  const type = parsed.headers.get('content-type') as
    { value: string; params: Record<string, string> } | undefined;
  const reportType =
    type?.value.toLowerCase() === 'multipart/report' ? type.params['report-type'] : undefined;
  const parts = parsed.attachments;

  if (reportType?.toLowerCase() === 'delivery-status') {
    const status = partOf(parts, 'message/delivery-status', 'message/global-delivery-status');
    if (!status) throw new NotAFeedbackReport('a delivery report without its status part');
    const fields = fieldsOf(status.content.toString('utf8'));
    // Per-recipient blocks follow the per-message one; a campaign message has one recipient.
    const action = fields.find(([name]) => name === 'action')?.[1].toLowerCase();
    const code = fields
      .find(([name]) => name === 'status')?.[1]
      .match(/^[245]\.\d{1,3}\.\d{1,3}/)?.[0];
    if (!action || !code)
      throw new NotAFeedbackReport('a delivery report without action and status');
    if (action !== 'failed' && action !== 'delayed')
      throw new NotAFeedbackReport(`a delivery report of action ${action}, not a failure`);
    return {
      kind: action === 'failed' && code.startsWith('5') ? 'hard_bounce' : 'soft_bounce',
      token: quotedToken(parts),
      detail: code,
    };
  }

  if (reportType?.toLowerCase() === 'feedback-report') {
    const report = partOf(parts, 'message/feedback-report');
    if (!report) throw new NotAFeedbackReport('a feedback report without its report part');
    const feedbackType = fieldsOf(report.content.toString('utf8'))
      .find(([name]) => name === 'feedback-type')?.[1]
      .toLowerCase();
    if (feedbackType !== 'abuse')
      throw new NotAFeedbackReport(
        `a feedback report of type ${feedbackType ?? 'none'}, not a complaint`,
      );
    return { kind: 'complaint', token: quotedToken(parts), detail: feedbackType };
  }

  throw new NotAFeedbackReport('not a multipart/report of delivery status or feedback');
}
