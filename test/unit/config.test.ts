import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('.data'));
    expect(config.mongo).toMatchObject({ embedded: true, uri: 'mongodb://127.0.0.1:27017/' });
    expect(config.temporal).toMatchObject({
      embedded: true,
      address: '127.0.0.1:7233',
      uiPort: 8233,
    });
    expect(config.smtp).toMatchObject({ embedded: true, url: 'smtp://127.0.0.1:2525' });
  });

  it('derives local service addresses from the port settings', () => {
    const config = loadConfig({ MONGODB_PORT: '27100', TEMPORAL_PORT: '7300', SMTP_PORT: '2600' });
    expect(config.mongo.uri).toBe('mongodb://127.0.0.1:27100/');
    expect(config.temporal.address).toBe('127.0.0.1:7300');
    expect(config.smtp.url).toBe('smtp://127.0.0.1:2600');
  });

  it('points recipients’ links at https by default once the api serves HTTPS', () => {
    expect(loadConfig({ PORT: '3100' }).http.publicUrl).toBe('http://localhost:3100');
    const tls = { CONSENTFLOW_TLS_CERT: 'cert.pem', CONSENTFLOW_TLS_KEY: 'key.pem' };
    expect(loadConfig({ ...tls, PORT: '3100' }).http.publicUrl).toBe('https://localhost:3100');
    const explicit = { ...tls, CONSENTFLOW_PUBLIC_URL: 'https://mail.example.com' };
    expect(loadConfig(explicit).http.publicUrl).toBe('https://mail.example.com');
  });

  it('switches off an embedded service when its external URL is given', () => {
    const config = loadConfig({
      MONGODB_URI: 'mongodb://db.example:27017/?replicaSet=rs0',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      SMTP_URL: 'smtps://relay.example:465',
    });
    expect(config.mongo.embedded).toBe(false);
    expect(config.temporal.embedded).toBe(false);
    expect(config.smtp.embedded).toBe(false);
  });

  it('reads the DNS servers of the sending-domain check and the relay CA file', () => {
    expect(loadConfig({}).dns.servers).toBeUndefined();
    expect(loadConfig({}).smtp.tlsCaFile).toBeUndefined();
    const config = loadConfig({
      CONSENTFLOW_DNS_SERVERS: ' 127.0.0.1:5353, 192.0.2.53 ,',
      SMTP_TLS_CA: '/etc/relay-ca.pem',
    });
    expect(config.dns.servers).toEqual(['127.0.0.1:5353', '192.0.2.53']);
    expect(config.smtp.tlsCaFile).toBe('/etc/relay-ca.pem');
    expect(() => loadConfig({ CONSENTFLOW_DNS_SERVERS: 'dns.example.com' })).toThrow(
      /CONSENTFLOW_DNS_SERVERS/,
    );
  });

  it('names every bad key, one line each', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SMTP_URL: 'http://relay',
        TEMPORAL_ADDRESS: 'no-port',
        CONSENTFLOW_PLATFORM_TOKEN: 'short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    for (const key of ['PORT', 'SMTP_URL', 'TEMPORAL_ADDRESS', 'CONSENTFLOW_PLATFORM_TOKEN']) {
      expect(problems.some((line) => line.startsWith(`${key}:`))).toBe(true);
    }
  });

  it('never repeats a secret value in its error message', () => {
    const secret = 'mongodb-password-that-must-not-leak';
    expect(() => loadConfig({ MONGODB_URI: `http://user:${secret}@db` })).toThrow(ConfigError);
    try {
      loadConfig({ MONGODB_URI: `http://user:${secret}@db` });
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it("allows the local Temporal Web UI's origins to call the codec endpoint by default", () => {
    expect(loadConfig({ TEMPORAL_UI_PORT: '8300' }).codec.corsOrigins).toEqual([
      'http://localhost:8300',
      'http://127.0.0.1:8300',
    ]);
    const config = loadConfig({
      CONSENTFLOW_CODEC_CORS_ORIGINS: ' https://temporal.example.com , http://ui.local:8080 ',
    });
    expect(config.codec.corsOrigins).toEqual([
      'https://temporal.example.com',
      'http://ui.local:8080',
    ]);
  });

  it('rejects a codec origin with a path and a codec token that cannot go in a URL', () => {
    expect(() =>
      loadConfig({ CONSENTFLOW_CODEC_CORS_ORIGINS: 'https://temporal.example.com/ui' }),
    ).toThrow(/CONSENTFLOW_CODEC_CORS_ORIGINS/);
    expect(() => loadConfig({ CONSENTFLOW_CODEC_TOKEN: 'a/b'.repeat(20) })).toThrow(
      /CONSENTFLOW_CODEC_TOKEN/,
    );
    expect(loadConfig({ CONSENTFLOW_CODEC_TOKEN: 'x'.repeat(40) }).codec.token).toBe(
      'x'.repeat(40),
    );
  });

  it('rejects out-of-range ports', () => {
    expect(() => loadConfig({ TEMPORAL_UI_PORT: '70000' })).toThrow(/TEMPORAL_UI_PORT/);
  });
});
