/**
 * Where webhooks may point, and how their bodies are signed: only public unicast addresses
 * (IPv4, IPv6 and IPv4-mapped IPv6) pass; the URL must be http(s); the signature is the
 * HMAC-SHA256 of "<t>.<body>" under the secret; production refuses private addresses unless
 * told otherwise.
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { signatureOf } from '../../src/webhooks/send';
import { assertWebhookTarget, isPublicAddress } from '../../src/webhooks/target';

describe('webhook targets', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00::1', 'IPv6 unique local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['not an address', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('refuses other schemes, and private hosts unless private addresses are allowed', async () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'nope'])
      await expect(assertWebhookTarget(url, { allowPrivate: true })).rejects.toMatchObject({
        kind: 'invalid',
        id: 'webhook_url_invalid',
      });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'https://[::1]/hook',
      'http://[::ffff:169.254.169.254]/latest/meta-data',
      'http://0x7f000001/',
    ])
      await expect(assertWebhookTarget(url, { allowPrivate: false })).rejects.toMatchObject({
        kind: 'invalid',
        id: 'webhook_url_refused',
      });
    await expect(
      assertWebhookTarget('http://127.0.0.1:8080/hook', { allowPrivate: true }),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      assertWebhookTarget('https://93.184.215.14/hook', { allowPrivate: false }),
    ).resolves.toBeInstanceOf(URL);
  });

  it('signs "<t>.<body>" with HMAC-SHA256 under the secret', () => {
    const body = '{"id":"e1","type":"contact.unsubscribed","createdAt":"x","data":{}}';
    const expected = createHmac('sha256', 'secret').update(`1700000000.${body}`).digest('hex');
    expect(signatureOf('secret', body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('allows private addresses by default in development and tests only', () => {
    expect(loadConfig({}).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).webhooks.allowPrivate).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.allowPrivate).toBe(true);
    expect(
      loadConfig({ NODE_ENV: 'production', WEBHOOKS_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate,
    ).toBe(true);
    expect(
      loadConfig({ NODE_ENV: 'test', WEBHOOKS_ALLOW_PRIVATE: 'false' }).webhooks.allowPrivate,
    ).toBe(false);
    expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE: 'yes' })).toThrow('WEBHOOKS_ALLOW_PRIVATE:');
  });
});
