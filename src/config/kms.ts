/**
 * Validation of the KMS settings: which provider wraps new data keys, the credentials of
 * every cloud or KMIP provider the driver may call, the wrapping master key, and TLS for
 * the KMS connections. Values arrive as strings from src/config.ts (the only reader of the
 * environment); problems are reported per key and never repeat a value, since most of
 * these values are secrets.
 */
import type { CSFLEKMSTlsOptions, KMSProviders } from 'mongodb';
import { z } from 'zod';

/** The providers an install can choose for wrapping data keys. */
export const kmsProviderNames = ['local', 'aws', 'azure', 'gcp', 'kmip'] as const;

/** A provider that wraps data keys. */
export type KmsProviderName = (typeof kmsProviderNames)[number];

/** The validated KMS configuration (paths are resolved by src/config.ts). */
export interface KmsConfig {
  /** Provider that wraps new data keys (and is the target of a rotation). */
  provider: KmsProviderName;
  /** Credentials of the cloud and KMIP providers; local keys come from the keyring. */
  credentials: Pick<KMSProviders, 'aws' | 'azure' | 'gcp' | 'kmip'>;
  /** Master key options of `provider` (none for local). */
  masterKey?: Record<string, unknown>;
  /** TLS options per provider, e.g. the client certificate KMIP requires. */
  tlsOptions?: CSFLEKMSTlsOptions;
}

/** The raw variables this module reads (already stripped of empty values). */
export interface KmsVariables {
  CONSENTFLOW_KMS_PROVIDER?: string;
  CONSENTFLOW_KMS_PROVIDERS?: string;
  CONSENTFLOW_KMS_MASTER_KEY?: string;
  CONSENTFLOW_KMS_TLS?: string;
}

const text = z.string().trim().min(1, 'must not be empty');
const hostPort = text.regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port');

const awsCredentials = z.strictObject({
  accessKeyId: text,
  secretAccessKey: text,
  sessionToken: text.optional(),
});
const azureClientSecret = z.strictObject({
  tenantId: text,
  clientId: text,
  clientSecret: text,
  identityPlatformEndpoint: text.optional(),
});
const gcpServiceAccount = z.strictObject({
  email: text,
  privateKey: text,
  endpoint: text.optional(),
});
const accessToken = z.strictObject({ accessToken: text });

const credentialSchemas = {
  aws: () => awsCredentials,
  // `{}` asks the driver to fetch a token from the Azure instance metadata service itself.
  azure: (value: unknown) =>
    isEmptyObject(value)
      ? z.strictObject({})
      : hasKey(value, 'accessToken')
        ? accessToken
        : azureClientSecret,
  gcp: (value: unknown) => (hasKey(value, 'accessToken') ? accessToken : gcpServiceAccount),
  kmip: () => z.strictObject({ endpoint: hostPort }),
};

const masterKeySchemas = {
  aws: z.strictObject({ region: text, key: text, endpoint: text.optional() }),
  azure: z.strictObject({
    keyVaultEndpoint: text,
    keyName: text,
    keyVersion: text.optional(),
  }),
  gcp: z.strictObject({
    projectId: text,
    location: text,
    keyRing: text,
    keyName: text,
    keyVersion: text.optional(),
    endpoint: text.optional(),
  }),
  kmip: z.strictObject({
    keyId: text.optional(),
    endpoint: hostPort.optional(),
    delegated: z.boolean().optional(),
  }),
};

const masterKeyFields = {
  aws: 'region and key',
  azure: 'keyVaultEndpoint and keyName',
  gcp: 'projectId, location, keyRing and keyName',
  kmip: 'optional keyId, endpoint, delegated',
};

const tlsFiles = z.strictObject({
  tlsCAFile: text.optional(),
  tlsCertificateKeyFile: text.optional(),
  tlsCertificateKeyFilePassword: text.optional(),
});
const tlsSchema = z.strictObject({
  aws: tlsFiles.optional(),
  azure: tlsFiles.optional(),
  gcp: tlsFiles.optional(),
  kmip: tlsFiles.optional(),
});

// Automatic credentials for these two need optional packages the project does not ship.
const missingPackage: Record<string, string> = {
  aws: '@aws-sdk/credential-providers',
  gcp: 'gcp-metadata',
};

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function hasKey(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && key in value;
}

// A JSON variable that is set but does not parse: reported once, not again as "missing".
const INVALID = Symbol('invalid JSON');

type Check = <T>(key: string, schema: z.ZodType<T>, value: unknown) => T | undefined;

function parseCredentials(
  entries: Record<string, unknown>,
  check: Check,
  problems: string[],
): KmsConfig['credentials'] {
  const credentials: KmsConfig['credentials'] = {};
  for (const [name, value] of Object.entries(entries)) {
    const key = `CONSENTFLOW_KMS_PROVIDERS.${name}`;
    if (name === 'local') {
      problems.push(
        `${key}: local master keys live in the keyring folder (CONSENTFLOW_MASTER_KEYRING), not here`,
      );
    } else if (!(name in credentialSchemas)) {
      problems.push(`${key}: unknown provider; use aws, azure, gcp or kmip`);
    } else if (isEmptyObject(value) && name in missingPackage) {
      problems.push(
        `${key}: automatic credentials need the optional package ${missingPackage[name]}, which is not installed; give explicit credentials`,
      );
    } else {
      const parsed = check(
        key,
        credentialSchemas[name as keyof typeof credentialSchemas](value),
        value,
      );
      if (parsed) Object.assign(credentials, { [name]: parsed });
    }
  }
  return credentials;
}

function parseMasterKey(
  provider: KmsProviderName,
  raw: unknown,
  check: Check,
  problems: string[],
): Record<string, unknown> | undefined {
  if (raw === INVALID) return undefined;
  if (provider === 'local') {
    if (raw !== undefined) {
      problems.push(
        'CONSENTFLOW_KMS_MASTER_KEY: only for aws, azure, gcp or kmip; the local master key comes from the keyring',
      );
    }
    return undefined;
  }
  if (raw === undefined && provider !== 'kmip') {
    problems.push(
      `CONSENTFLOW_KMS_MASTER_KEY: required for provider ${provider} (JSON with ${masterKeyFields[provider]})`,
    );
    return undefined;
  }
  const schema = masterKeySchemas[provider] as z.ZodType<Record<string, unknown>>;
  return check('CONSENTFLOW_KMS_MASTER_KEY', schema, raw ?? {});
}

/** Parses and validates the KMS variables; `problems` has one `KEY: reason` line each. */
export function parseKmsConfig(vars: KmsVariables): { value?: KmsConfig; problems: string[] } {
  const problems: string[] = [];
  const check: Check = (key, schema, value) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      problems.push(`${[key, ...issue.path].join('.')}: ${issue.message}`);
    }
    return undefined;
  };
  const parseJson = (key: keyof KmsVariables): unknown => {
    const raw = vars[key];
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      // JSON.parse's own message quotes the input, which may hold a secret.
      problems.push(`${key}: must be a JSON object (the value does not parse as JSON)`);
      return INVALID;
    }
  };

  const provider = check(
    'CONSENTFLOW_KMS_PROVIDER',
    z.enum(kmsProviderNames, { error: `must be one of ${kmsProviderNames.join(', ')}` }),
    vars.CONSENTFLOW_KMS_PROVIDER ?? 'local',
  );
  const rawProviders = parseJson('CONSENTFLOW_KMS_PROVIDERS');
  const entries =
    rawProviders === undefined || rawProviders === INVALID
      ? undefined
      : check('CONSENTFLOW_KMS_PROVIDERS', z.record(z.string(), z.unknown()), rawProviders);
  const credentials = entries ? parseCredentials(entries, check, problems) : {};
  const rawMasterKey = parseJson('CONSENTFLOW_KMS_MASTER_KEY');
  const masterKey = provider && parseMasterKey(provider, rawMasterKey, check, problems);
  if (provider && provider !== 'local') {
    if (rawProviders === undefined) {
      problems.push(
        `CONSENTFLOW_KMS_PROVIDERS: required for provider ${provider} (JSON with its credentials)`,
      );
    } else if (entries && !(provider in entries)) {
      problems.push(
        `CONSENTFLOW_KMS_PROVIDERS: has no credentials for ${provider} (CONSENTFLOW_KMS_PROVIDER)`,
      );
    }
  }
  const rawTls = parseJson('CONSENTFLOW_KMS_TLS');
  const tlsOptions =
    rawTls === undefined || rawTls === INVALID
      ? undefined
      : check('CONSENTFLOW_KMS_TLS', tlsSchema, rawTls);

  if (problems.length > 0 || provider === undefined) return { problems };
  return { value: { provider, credentials, masterKey, tlsOptions }, problems };
}
