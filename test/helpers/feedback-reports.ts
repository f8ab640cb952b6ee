/**
 * Bounce and complaint reports as a receiving server would write them (RFC 3464 delivery
 * status notifications, RFC 5965 abuse reports), quoting an original message that carried
 * `token` in its `X-Consentflow-Feedback` header.
 */
const CRLF = '\r\n';

const originalHeaders = (token?: string) =>
  [
    'From: Letters <news@consentflow.test>',
    'To: someone@example.test',
    'Subject: Our news',
    'Message-ID: <0123456789abcdef@consentflow.test>',
    ...(token ? [`X-Consentflow-Feedback: ${token}`] : []),
  ].join(CRLF);

/** A delivery status notification for one recipient. */
export function deliveryReport(o: { token?: string; status: string; action?: string }): Buffer {
  const boundary = 'dsn-boundary-1';
  return Buffer.from(
    [
      'From: Mail Delivery System <mailer-daemon@mx.example.test>',
      'To: bounces@consentflow.test',
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Your message could not be delivered.',
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.test',
      'Arrival-Date: Sun, 6 Dec 2026 10:00:00 +0000',
      '',
      'Final-Recipient: rfc822; someone@example.test',
      `Action: ${o.action ?? 'failed'}`,
      `Status: ${o.status}`,
      `Diagnostic-Code: smtp; ${o.status.startsWith('5') ? '550 no such user' : '452 mailbox full'}`,
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      originalHeaders(o.token),
      '',
      `--${boundary}--`,
      '',
    ].join(CRLF),
  );
}

/** An abuse feedback report (ARF), quoting the original's headers or the whole of it. */
export function complaintReport(o: { token?: string; whole?: boolean; type?: string }): Buffer {
  const boundary = 'arf-boundary-1';
  return Buffer.from(
    [
      'From: Feedback Loop <fbl@isp.example.test>',
      'To: abuse@consentflow.test',
      'Subject: Abuse report',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'A user of ours marked this message as spam.',
      '',
      `--${boundary}`,
      'Content-Type: message/feedback-report',
      '',
      `Feedback-Type: ${o.type ?? 'abuse'}`,
      'User-Agent: ExampleFBL/1.0',
      'Version: 1',
      '',
      `--${boundary}`,
      o.whole ? 'Content-Type: message/rfc822' : 'Content-Type: text/rfc822-headers',
      '',
      originalHeaders(o.token),
      ...(o.whole ? ['', 'The body of our news.'] : []),
      '',
      `--${boundary}--`,
      '',
    ].join(CRLF),
  );
}
