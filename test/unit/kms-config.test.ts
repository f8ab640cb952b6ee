import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

const aws = {
  CONSENTFLOW_KMS_PROVIDER: 'aws',
  CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({
    aws: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'aws-secret-that-must-not-leak' },
  }),
  CONSENTFLOW_KMS_MASTER_KEY: JSON.stringify({
    region: 'eu-central-1',
    key: 'arn:aws:kms:eu-central-1:111122223333:key/example',
  }),
};

describe('KMS configuration', () => {
  it('defaults to the local keyring in the data folder', () => {
    const { kms, masterKeyFile } = loadConfig({ CONSENTFLOW_DATA_DIR: '/srv/cf' });
    expect(kms).toMatchObject({
      provider: 'local',
      credentials: {},
      keyringDir: '/srv/cf/master-keys',
      legacyKeyFile: '/srv/cf/master-key.bin',
    });
    expect(kms.masterKey).toBeUndefined();
    expect(masterKeyFile).toBe('/srv/cf/master-key.bin');
  });

  it('takes the keyring folder and the pre-keyring key file from their variables', () => {
    const { kms } = loadConfig({
      CONSENTFLOW_MASTER_KEYRING: 'keys',
      CONSENTFLOW_MASTER_KEY_FILE: 'old/master.bin',
    });
    expect(kms.keyringDir).toBe(path.resolve('keys'));
    expect(kms.legacyKeyFile).toBe(path.resolve('old/master.bin'));
  });

  it('passes AWS credentials and master key through to the driver', () => {
    const { kms } = loadConfig(aws);
    expect(kms.provider).toBe('aws');
    expect(kms.credentials.aws).toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'aws-secret-that-must-not-leak',
    });
    expect(kms.masterKey).toEqual({
      region: 'eu-central-1',
      key: 'arn:aws:kms:eu-central-1:111122223333:key/example',
    });
  });

  it('accepts Azure with a client secret, a token, or the instance metadata service', () => {
    const masterKey = JSON.stringify({ keyVaultEndpoint: 'cf.vault.azure.net', keyName: 'cf' });
    for (const credentials of [
      { tenantId: 't', clientId: 'c', clientSecret: 's' },
      { accessToken: 'token' },
      {},
    ]) {
      const { kms } = loadConfig({
        CONSENTFLOW_KMS_PROVIDER: 'azure',
        CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({ azure: credentials }),
        CONSENTFLOW_KMS_MASTER_KEY: masterKey,
      });
      expect(kms.credentials.azure).toEqual(credentials);
    }
  });

  it('accepts GCP and KMIP, with TLS files for KMIP', () => {
    const { kms } = loadConfig({
      CONSENTFLOW_KMS_PROVIDER: 'kmip',
      CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({
        kmip: { endpoint: 'kmip.example:5696' },
        gcp: { email: 'svc@project.iam.gserviceaccount.com', privateKey: 'base64key' },
      }),
      CONSENTFLOW_KMS_TLS: JSON.stringify({
        kmip: { tlsCAFile: '/etc/cf/ca.pem', tlsCertificateKeyFile: '/etc/cf/client.pem' },
      }),
    });
    expect(kms.provider).toBe('kmip');
    expect(kms.masterKey).toEqual({}); // KMIP creates a key object per data key when none is named
    expect(kms.credentials.gcp).toBeDefined();
    expect(kms.tlsOptions?.kmip?.tlsCertificateKeyFile).toBe('/etc/cf/client.pem');
  });

  it('requires the master key and the credentials of the chosen provider', () => {
    expect(problemsOf({ CONSENTFLOW_KMS_PROVIDER: 'gcp' })).toEqual([
      'CONSENTFLOW_KMS_MASTER_KEY: required for provider gcp (JSON with projectId, location, keyRing and keyName)',
      'CONSENTFLOW_KMS_PROVIDERS: required for provider gcp (JSON with its credentials)',
    ]);
    const problems = problemsOf({ ...aws, CONSENTFLOW_KMS_PROVIDERS: '{"azure":{}}' });
    expect(problems).toEqual([
      'CONSENTFLOW_KMS_PROVIDERS: has no credentials for aws (CONSENTFLOW_KMS_PROVIDER)',
    ]);
  });

  it('names each missing or misspelt field with its path', () => {
    const problems = problemsOf({
      ...aws,
      CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({
        aws: { accessKeyId: 'AKIAEXAMPLE', secretAcessKey: 'aws-secret-that-must-not-leak' },
      }),
      CONSENTFLOW_KMS_MASTER_KEY: JSON.stringify({ region: 'eu-central-1' }),
    });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CONSENTFLOW_KMS_PROVIDERS\.aws\.secretAccessKey: /),
        expect.stringMatching(/^CONSENTFLOW_KMS_PROVIDERS\.aws: .*secretAcessKey/),
        expect.stringMatching(/^CONSENTFLOW_KMS_MASTER_KEY\.key: /),
      ]),
    );
  });

  it('rejects unknown providers, local keys in the environment and a master key for local', () => {
    expect(problemsOf({ CONSENTFLOW_KMS_PROVIDER: 'vault' })).toEqual([
      'CONSENTFLOW_KMS_PROVIDER: must be one of local, aws, azure, gcp, kmip',
    ]);
    const problems = problemsOf({
      CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({ local: { key: 'x' }, hsm: {} }),
      CONSENTFLOW_KMS_MASTER_KEY: '{"keyId":"1"}',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^CONSENTFLOW_KMS_PROVIDERS\.local: .*keyring folder/),
      'CONSENTFLOW_KMS_PROVIDERS.hsm: unknown provider; use aws, azure, gcp or kmip',
      expect.stringMatching(/^CONSENTFLOW_KMS_MASTER_KEY: only for aws, azure, gcp or kmip/),
    ]);
  });

  it('refuses automatic AWS and GCP credentials, which need packages the project lacks', () => {
    const problems = problemsOf({ ...aws, CONSENTFLOW_KMS_PROVIDERS: '{"aws":{},"gcp":{}}' });
    expect(problems).toEqual([
      expect.stringContaining('@aws-sdk/credential-providers'),
      expect.stringContaining('gcp-metadata'),
    ]);
  });

  it('checks endpoints and TLS settings', () => {
    const problems = problemsOf({
      CONSENTFLOW_KMS_PROVIDER: 'kmip',
      CONSENTFLOW_KMS_PROVIDERS: '{"kmip":{"endpoint":"https://kmip.example"}}',
      CONSENTFLOW_KMS_TLS: '{"kmip":{"tlsCAFile":""},"vault":{}}',
    });
    expect(problems).toEqual([
      'CONSENTFLOW_KMS_PROVIDERS.kmip.endpoint: must be host:port',
      'CONSENTFLOW_KMS_TLS.kmip.tlsCAFile: must not be empty',
      expect.stringMatching(/^CONSENTFLOW_KMS_TLS: .*vault/),
    ]);
  });

  it('reports broken JSON without quoting it, together with other bad keys', () => {
    const secret = 'aws-secret-that-must-not-leak';
    const problems = problemsOf({
      PORT: 'eighty',
      CONSENTFLOW_KMS_PROVIDER: 'aws',
      CONSENTFLOW_KMS_PROVIDERS: `{"aws":{"secretAccessKey":"${secret}"`,
      CONSENTFLOW_KMS_MASTER_KEY: `[${secret}]`,
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PORT: /),
      'CONSENTFLOW_KMS_PROVIDERS: must be a JSON object (the value does not parse as JSON)',
      'CONSENTFLOW_KMS_MASTER_KEY: must be a JSON object (the value does not parse as JSON)',
    ]);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('never repeats a credential in a type error', () => {
    const secret = 'aws-secret-that-must-not-leak';
    const problems = problemsOf({
      ...aws,
      CONSENTFLOW_KMS_PROVIDERS: JSON.stringify({
        aws: { accessKeyId: 1, secretAccessKey: [secret] },
      }),
    });
    expect(problems.length).toBe(2);
    expect(problems.join('\n')).not.toContain(secret);
  });
});
