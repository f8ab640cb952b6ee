/**
 * Reading bounce (RFC 3464) and complaint (RFC 5965) reports: the verdict and the quoted
 * `X-Consentflow-Feedback` token, whether the report quotes the whole original or only its
 * headers; anything else is refused.
 */
import { NotAFeedbackReport, readFeedbackReport } from '../../src/campaigns/feedback-report';
import { deliveryReport, complaintReport } from '../helpers/feedback-reports';

const token = 'eyJhbGciOiJIUzI1NiIsImtpZCI6InQxIn0.eyJwIjoiZmVlZGJhY2sifQ.c2lnbmF0dXJl';

describe('feedback reports', () => {
  it('reads a permanent failure, with the token from the quoted headers', async () => {
    const report = await readFeedbackReport(deliveryReport({ token, status: '5.1.1' }));
    expect(report).toEqual({ kind: 'hard_bounce', token, detail: '5.1.1' });
  });

  it('tells a transient failure and a delay from a permanent one', async () => {
    expect(await readFeedbackReport(deliveryReport({ token, status: '4.2.2' }))).toMatchObject({
      kind: 'soft_bounce',
      detail: '4.2.2',
    });
    expect(
      await readFeedbackReport(deliveryReport({ token, status: '4.4.7', action: 'delayed' })),
    ).toMatchObject({ kind: 'soft_bounce' });
  });

  it('reads a complaint quoting the whole original message', async () => {
    expect(await readFeedbackReport(complaintReport({ token, whole: true }))).toEqual({
      kind: 'complaint',
      token,
      detail: 'abuse',
    });
    expect((await readFeedbackReport(complaintReport({ token }))).token).toBe(token);
  });

  it('finds no token where the original carried none or a foreign value', async () => {
    expect((await readFeedbackReport(deliveryReport({ status: '5.0.0' }))).token).toBeUndefined();
    expect(
      (await readFeedbackReport(deliveryReport({ token: 'not a token', status: '5.0.0' }))).token,
    ).toBeUndefined();
  });

  it('refuses what is not a failure or a complaint report', async () => {
    const refused = (raw: Buffer) =>
      readFeedbackReport(raw).then(
        () => 'read',
        (err: unknown) => (err instanceof NotAFeedbackReport ? 'refused' : String(err)),
      );
    expect(await refused(Buffer.from('Subject: hello\r\n\r\njust a message\r\n'))).toBe('refused');
    expect(await refused(deliveryReport({ token, status: '2.0.0', action: 'delivered' }))).toBe(
      'refused',
    );
    expect(await refused(complaintReport({ token, type: 'not-spam' }))).toBe('refused');
    expect(await refused(Buffer.alloc(0))).toBe('refused');
  });
});
