import nodemailer from 'nodemailer';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('GET /api/dev/mail', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  it('shows what the embedded SMTP sink received over a real SMTP connection, newest first', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: testServices().smtpPort,
      secure: false,
    });
    const marker = uniqueSuffix();
    await transport.sendMail({
      from: 'sender@example.test',
      to: 'first@example.test',
      subject: `first ${marker}`,
      text: 'one',
    });
    await transport.sendMail({
      from: 'sender@example.test',
      to: ['second@example.test', 'third@example.test'],
      subject: `second ${marker}`,
      text: 'two',
      html: '<p>two</p>',
    });
    transport.close();

    const res = await request(stack.app).get('/api/dev/mail');
    expect(res.status).toBe(200);
    const mine = (res.body.messages as { subject: string }[]).filter((m) =>
      m.subject.endsWith(marker),
    );
    expect(mine.map((m) => m.subject)).toEqual([`second ${marker}`, `first ${marker}`]);
    expect(mine[0]).toMatchObject({
      id: expect.any(String),
      to: ['second@example.test', 'third@example.test'],
      from: 'sender@example.test',
      text: expect.stringContaining('two'),
      html: '<p>two</p>',
      date: expect.any(String),
      raw: expect.stringContaining(`Subject: second ${marker}`),
    });
  });
});
