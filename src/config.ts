/**
 * The only reader of process.env. Every setting is validated once at start, so a bad value
 * fails with one clear line per key instead of surfacing later as a confusing error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseKmsConfig, type KmsConfig } from './config/kms';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).max(100_000).default(fallback);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })
    .optional();

const schema = z.object({
  PORT: port(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  CONSENTFLOW_DATA_DIR: z.string().min(1).default('.data'),
  CONSENTFLOW_PLATFORM_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (use a random token)')
    .optional(),
  CONSENTFLOW_CODEC_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,}$/, 'at least 32 letters, digits, "-" or "_" (it goes in a URL)')
    .optional(),
  CONSENTFLOW_CODEC_CORS_ORIGINS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s?#]+$/, 'must be scheme://host[:port]')))
    .optional(),
  CONSENTFLOW_PUBLIC_URL: z.url().optional(),
  /** Set by `npm start` for its children: where its supervisor reports them. */
  CONSENTFLOW_SUPERVISOR_STATUS: z.string().min(1).optional(),
  CONSENTFLOW_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  CONSENTFLOW_TASK_QUEUE: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'lowercase letters, digits and dashes only')
    .default('consentflow'),
  CONSENTFLOW_MASTER_KEY_FILE: z.string().min(1).optional(),
  CONSENTFLOW_MASTER_KEYRING: z.string().min(1).optional(),
  CONSENTFLOW_DB_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_]{0,20}$/, 'letters, digits and underscores, at most 20')
    .default(''),
  MONGODB_URI: optionalUrl(['mongodb', 'mongodb+srv']),
  MONGODB_PORT: port(27017),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** Where browsers reach the Temporal Web UI (the console links workflows there). */
  CONSENTFLOW_TEMPORAL_UI_URL: z.url().optional(),
  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  SMTP_PORT: port(2525),
  SMTP_TLS: z.enum(['required', 'none']).optional(),
  SMTP_TLS_CA: z.string().min(1).optional(),
  CONSENTFLOW_DNS_SERVERS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((server) => server.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[?[0-9a-fA-F:]+\]?(:\d{1,5})?)$/,
            'ip or ip:port',
          ),
      ),
    )
    .optional(),
  MAIL_FROM: z
    .string()
    .min(3)
    .regex(/@[^@\s>]+\.[^@\s>]+>?$/, 'must end with an address at a domain (Name <box@domain>)')
    .default('Consentflow <no-reply@consentflow.localhost>'),
  CONSENTFLOW_OPERATOR_EMAIL: z.email('must be an email address').optional(),
  CONSENTFLOW_LINK_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (use a random secret)')
    .optional(),
  CONSENTFLOW_SUBSCRIBE_LIMIT_ADDRESS: z.coerce.number().int().min(1).default(5),
  CONSENTFLOW_SUBSCRIBE_LIMIT_IP: z.coerce.number().int().min(1).default(30),
  CONSENTFLOW_CAMPAIGN_RATE: z.coerce.number().int().min(1).max(10_000).default(50),
  CONSENTFLOW_FEEDBACK_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (use a random token)')
    .optional(),
  CONSENTFLOW_FEEDBACK_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CONSENTFLOW_FEEDBACK_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  CONSENTFLOW_BACKUP_DIR: z.string().min(1).optional(),
  CONSENTFLOW_BACKUP_EVERY_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  CONSENTFLOW_BACKUP_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  CONSENTFLOW_BACKUP_KEEP_COUNT: z.coerce.number().int().min(1).max(1000).default(30),
  CONSENTFLOW_ACCESS_REVIEW_EVERY_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  CONSENTFLOW_ACCESS_REVIEW_STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // Fractions allowed (0.0002 days are 17 s), so a test can let the grace period pass.
  CONSENTFLOW_ACCESS_REVIEW_GRACE_DAYS: z.coerce.number().positive().max(365).default(14),
  CONSENTFLOW_LINK_BLOCKLIST_FILE: z
    .string()
    .optional()
    .refine((f) => f === undefined || existsSync(f), 'no such file'),
  CONSENTFLOW_LINK_BLOCKLIST: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
  CONSENTFLOW_LINK_CHECK_ALLOW_PRIVATE: z
    .enum(['true', 'false'], 'must be true or false')
    .transform((value) => value === 'true')
    .optional(),
  CONSENTFLOW_TLS_CERT: z.string().min(1).optional(),
  CONSENTFLOW_TLS_KEY: z.string().min(1).optional(),
  CONSENTFLOW_SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (use a random token)')
    .optional(),
  CONSENTFLOW_SESSION_IDLE_SECONDS: seconds(30 * 60),
  CONSENTFLOW_SESSION_MAX_SECONDS: seconds(12 * 3600),
  CONSENTFLOW_LOGIN_DELAY_AFTER: count(3),
  CONSENTFLOW_LOGIN_LOCK_AFTER: count(10),
  CONSENTFLOW_LOGIN_LOCK_SECONDS: seconds(15 * 60),
  CONSENTFLOW_LOGIN_IP_LOCK_AFTER: count(100),
  /** `production` (the image sets it), `development` or `test`; unset counts as production. */
  NODE_ENV: z.string().optional(),
  WEBHOOKS_ALLOW_PRIVATE: z
    .enum(['true', 'false'], 'must be true or false')
    .transform((value) => value === 'true')
    .optional(),
});

/** Validated, resolved configuration shared by every process. */
export type Config = ReturnType<typeof resolve>;

/** Thrown when the environment holds invalid settings; `problems` has one line per key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function resolve(env: z.infer<typeof schema>, kms: KmsConfig) {
  const dataDir = path.resolve(env.CONSENTFLOW_DATA_DIR);
  const masterKeyFile = path.resolve(
    env.CONSENTFLOW_MASTER_KEY_FILE ?? path.join(dataDir, 'master-key.bin'),
  );
  return {
    http: {
      port: env.PORT,
      host: env.HOST,
      // Recipients' links in mail point here; with a certificate the api speaks HTTPS only.
      publicUrl:
        env.CONSENTFLOW_PUBLIC_URL ??
        `${env.CONSENTFLOW_TLS_CERT ? 'https' : 'http'}://localhost:${env.PORT}`,
    },
    dataDir,
    logLevel: env.CONSENTFLOW_LOG_LEVEL,
    /** The file in which `npm start`'s supervisor reports its children; unset otherwise. */
    supervisorStatusFile: env.CONSENTFLOW_SUPERVISOR_STATUS
      ? path.resolve(env.CONSENTFLOW_SUPERVISOR_STATUS)
      : undefined,
    /** Both files, or undefined: then the api serves plain HTTP (behind a TLS proxy, say). */
    tls:
      env.CONSENTFLOW_TLS_CERT && env.CONSENTFLOW_TLS_KEY
        ? {
            certFile: path.resolve(env.CONSENTFLOW_TLS_CERT),
            keyFile: path.resolve(env.CONSENTFLOW_TLS_KEY),
          }
        : undefined,
    auth: {
      sessionSecret: env.CONSENTFLOW_SESSION_SECRET,
      sessionSecretFile: path.join(dataDir, 'session-secret'),
      /** A session unused this long is over. */
      sessionIdleSeconds: env.CONSENTFLOW_SESSION_IDLE_SECONDS,
      /** A session is over this long after its login, however busy. */
      sessionMaxSeconds: env.CONSENTFLOW_SESSION_MAX_SECONDS,
      bruteForce: {
        /** Failures per account (or API key) before each attempt must wait, doubling. */
        delayAfter: env.CONSENTFLOW_LOGIN_DELAY_AFTER,
        /** Failures per account (or API key) that lock it for `lockSeconds`. */
        lockAfter: env.CONSENTFLOW_LOGIN_LOCK_AFTER,
        lockSeconds: env.CONSENTFLOW_LOGIN_LOCK_SECONDS,
        /** Failures from one IP address (any account) that lock that address. */
        ipLockAfter: env.CONSENTFLOW_LOGIN_IP_LOCK_AFTER,
      },
    },
    platformToken: env.CONSENTFLOW_PLATFORM_TOKEN,
    platformTokenFile: path.join(dataDir, 'platform-token'),
    codec: {
      token: env.CONSENTFLOW_CODEC_TOKEN,
      tokenFile: path.join(dataDir, 'codec-token'),
      /** Browser origins allowed to call the codec endpoint: the Temporal Web UI's. */
      corsOrigins: env.CONSENTFLOW_CODEC_CORS_ORIGINS ?? [
        `http://localhost:${env.TEMPORAL_UI_PORT}`,
        `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
      ],
    },
    /** The single local key file of installs from before the keyring; read if present. */
    masterKeyFile,
    kms: {
      ...kms,
      /** Folder of the local master key generations (see src/db/master-keyring.ts). */
      keyringDir: path.resolve(env.CONSENTFLOW_MASTER_KEYRING ?? path.join(dataDir, 'master-keys')),
      legacyKeyFile: masterKeyFile,
    },
    mongo: {
      embedded: env.MONGODB_URI === undefined,
      uri: env.MONGODB_URI ?? `mongodb://127.0.0.1:${env.MONGODB_PORT}/`,
      port: env.MONGODB_PORT,
      dbPrefix: env.CONSENTFLOW_DB_PREFIX,
    },
    temporal: {
      embedded: env.TEMPORAL_ADDRESS === undefined,
      address: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT}`,
      namespace: env.TEMPORAL_NAMESPACE,
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: (
        env.CONSENTFLOW_TEMPORAL_UI_URL ?? `http://localhost:${env.TEMPORAL_UI_PORT}`
      ).replace(/\/+$/, ''),
      taskQueue: env.CONSENTFLOW_TASK_QUEUE,
    },
    smtp: {
      embedded: env.SMTP_URL === undefined,
      url: env.SMTP_URL ?? `smtp://127.0.0.1:${env.SMTP_PORT}`,
      port: env.SMTP_PORT,
      sinkDir: path.join(dataDir, 'mail'),
      from: env.MAIL_FROM,
      /** The domain system mail is sent and DKIM-signed for: the domain of MAIL_FROM. */
      domain: /@([^@\s>]+)>?$/.exec(env.MAIL_FROM)![1]!.toLowerCase(),
      /** A relay must speak TLS unless told otherwise; the embedded sink is loopback only. */
      requireTls:
        (env.SMTP_TLS ?? (env.SMTP_URL === undefined ? 'none' : 'required')) === 'required',
      /** A PEM file of the CA(s) to trust for the relay's certificate, beside the system's. */
      tlsCaFile: env.SMTP_TLS_CA,
    },
    dns: {
      /** Servers (`ip` or `ip:port`) for the sending domains' DKIM checks; unset: the system's. */
      servers: env.CONSENTFLOW_DNS_SERVERS,
    },
    operator: {
      /**
       * Where alerts for the platform operator go (a deletion step that keeps failing, say);
       * unset: they are written to the log only.
       */
      email: env.CONSENTFLOW_OPERATOR_EMAIL,
    },
    links: {
      /** Signs recipients' links (confirm, renew, unsubscribe, profile); per-tenant keys derive from it. */
      secret: env.CONSENTFLOW_LINK_SECRET,
      secretFile: path.join(dataDir, 'link-secret'),
    },
    webhooks: {
      /**
       * Whether webhooks may point at loopback, private, link-local and other non-public
       * addresses: only for development and tests (a receiver on this machine); elsewhere a
       * webhook must not reach into the network the product runs in.
       */
      allowPrivate:
        env.WEBHOOKS_ALLOW_PRIVATE ?? (env.NODE_ENV === 'development' || env.NODE_ENV === 'test'),
    },
    campaigns: {
      /** Messages per second a tenant's campaigns send at most, all together. */
      ratePerSecond: env.CONSENTFLOW_CAMPAIGN_RATE,
      /** Hosts (and their subdomains) no link of a message may lead to. */
      linkBlocklist: env.CONSENTFLOW_LINK_BLOCKLIST,
      /** A file of domains and URLs (or a feed's CSV) no link may lead to, read again on change. */
      linkBlocklistFile: env.CONSENTFLOW_LINK_BLOCKLIST_FILE,
      /** Whether the link checker may reach loopback and private addresses (as webhooks). */
      linkCheckAllowPrivate:
        env.CONSENTFLOW_LINK_CHECK_ALLOW_PRIVATE ??
        (env.NODE_ENV === 'development' || env.NODE_ENV === 'test'),
    },
    feedback: {
      /** Bearer token a relay posts bounce and complaint reports with; unset: no webhook. */
      token: env.CONSENTFLOW_FEEDBACK_TOKEN,
      /**
       * Where the api takes bounce and complaint reports by SMTP (the MX of the bounce
       * domain); unset: no such listener.
       */
      smtp:
        env.CONSENTFLOW_FEEDBACK_SMTP_PORT === undefined
          ? undefined
          : { host: env.CONSENTFLOW_FEEDBACK_SMTP_HOST, port: env.CONSENTFLOW_FEEDBACK_SMTP_PORT },
    },
    backups: {
      /** The folder of the folder backup store (src/backups/store.ts). */
      dir: path.resolve(env.CONSENTFLOW_BACKUP_DIR ?? path.join(dataDir, 'backups')),
      /** Hours between a tenant's scheduled backups (applies to Schedules created from then on). */
      everyHours: env.CONSENTFLOW_BACKUP_EVERY_HOURS,
      /** Retention during the contract: backups older than this many days go, and beyond this count. */
      retention: {
        keepDays: env.CONSENTFLOW_BACKUP_KEEP_DAYS,
        keepCount: env.CONSENTFLOW_BACKUP_KEEP_COUNT,
      },
    },
    accessReviews: {
      /** Days between a tenant's scheduled access reviews. */
      everyDays: env.CONSENTFLOW_ACCESS_REVIEW_EVERY_DAYS,
      /** Users and API keys unused this many days (never used: since creation) are flagged. */
      staleAfterDays: env.CONSENTFLOW_ACCESS_REVIEW_STALE_DAYS,
      /** Days admins have to confirm flagged entries before they are disabled. */
      graceDays: env.CONSENTFLOW_ACCESS_REVIEW_GRACE_DAYS,
    },
    subscribe: {
      /** Subscription requests per address per hour, and per subscriber IP per hour. */
      perAddressPerHour: env.CONSENTFLOW_SUBSCRIBE_LIMIT_ADDRESS,
      perIpPerHour: env.CONSENTFLOW_SUBSCRIBE_LIMIT_IP,
    },
  };
}

/** Reads and validates the environment; throws ConfigError naming every bad key. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`FOO=` in a compose file or shell) means "not set".
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  const kms = parseKmsConfig(present);
  const problems = [
    ...(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []),
    ...kms.problems,
    ...(parsed.data && !parsed.data.CONSENTFLOW_TLS_CERT !== !parsed.data.CONSENTFLOW_TLS_KEY
      ? ['CONSENTFLOW_TLS_CERT: set together with CONSENTFLOW_TLS_KEY, or neither']
      : []),
  ];
  if (!parsed.success || !kms.value || problems.length > 0) throw new ConfigError(problems);
  return resolve(parsed.data, kms.value);
}
