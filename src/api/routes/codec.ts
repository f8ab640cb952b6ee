/**
 * The payload codec endpoint (Temporal's codec-server protocol), so that the platform
 * operator, and nobody else, can read encrypted payloads in the Temporal Web UI and CLI:
 *
 * - `POST /codec/decode`, `/codec/encode` with `Authorization: Bearer <platform token>`
 *   (the CLI: `--codec-endpoint …/codec --codec-auth 'Bearer …'`);
 * - `POST /codec/<codec token>/decode`, `…/encode` for the Web UI, which can only be given
 *   a URL (see src/auth/codec-token.ts).
 *
 * Decode picks the key named in each payload's metadata, a tenant's or the platform's (the
 * platform's workflows, such as tenant shredding, seal with it). It answers a caller without
 * valid credentials with its payloads unchanged (the protocol's convention for "may not
 * read": the UI then shows them as it would without a codec), and leaves unchanged any
 * payload it cannot open (unknown or shredded tenant, tampered). Encode needs the key id in
 * `X-Consentflow-Tenant` (a tenant id, or `platform` for a platform workflow),
 * because the protocol carries no workflow id, and only uses keys that already exist.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { tokensMatch } from '../../auth/platform-token';
import { tenantIdPattern } from '../../db/names';
import type { Logger } from '../../logger';
import {
  isEncryptedPayload,
  payloadKeyId,
  sealPayload,
  TenantPayloadCodec,
} from '../../temporal/payload-codec';
import {
  PLATFORM_PAYLOAD_KEY_ID,
  PayloadKeyUnavailableError,
  type PayloadKeySource,
} from '../../temporal/payload-keys';
import type { AccessLog } from '../../auth/access-log';
import { clientIp } from '../middleware/authenticate';
import { invalid, notFound, unauthorized } from '../../errors';
import { allowOrigins } from '../middleware/cors';
import { requireJsonBody } from '../middleware/json-only';
import { defineRoute, type RouteDefinition } from '../route';
import { codecBody, payloadFromJson, payloadToJson } from '../schemas/codec-payloads';

/** What the codec endpoint needs besides the platform token. */
export interface CodecEndpointDeps {
  keys: PayloadKeySource;
  /** The secret path segment of the Web UI's codec URL. */
  codecToken: string;
  /** Browser origins (the Temporal Web UI's) allowed to call the endpoint. */
  corsOrigins: readonly string[];
}

/** Names the tenant whose key `/encode` uses. */
export const TENANT_HEADER = 'X-Consentflow-Tenant';

/** Codec-server payloads can be up to 2 MB each in Temporal; a batch holds several. */
const BODY_LIMIT = '8mb';

/** CORS and the body parser of every `/codec` path (mount before `codecRoutes`). */
export const codecMiddleware = (corsOrigins: readonly string[]) =>
  Router().use(
    '/codec',
    allowOrigins({
      origins: corsOrigins,
      methods: ['POST', 'OPTIONS'],
      headers: ['Content-Type', 'X-Namespace', 'Authorization', 'Authorization-Extras'],
    }),
    requireJsonBody,
    express.json({ limit: BODY_LIMIT, strict: true }),
  );

// Accepted and ignored: the UI sends it; this codec never stores payloads externally.
const codecQuery = z.strictObject({ preserveStorageRefs: z.enum(['true', 'false']).optional() });

/** The codec routes. */
export function codecRoutes(
  deps: CodecEndpointDeps & { platformToken: string; logger: Logger; accessLog: AccessLog },
): RouteDefinition[] {
  const codec = new TenantPayloadCodec(deps.keys);
  const mayRead = (req: Request): boolean => {
    const pathToken = req.params.token;
    if (typeof pathToken === 'string') return tokensMatch(pathToken, deps.codecToken);
    const bearer = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    return bearer !== undefined && tokensMatch(bearer, deps.platformToken);
  };

  const decode = async (req: Request, res: Response) => {
    const { payloads } = req.body as z.infer<typeof codecBody>;
    if (!mayRead(req)) return res.json({ payloads });
    let unopened = 0;
    /** Payloads opened per tenant: each tenant's access log shows the decodes of its data. */
    const opened = new Map<string, number>();
    const decoded = await Promise.all(
      payloads.map(async (json) => {
        const payload = payloadFromJson(json);
        if (!isEncryptedPayload(payload)) return json;
        try {
          const plain = payloadToJson((await codec.decode([payload]))[0]!);
          const keyId = payloadKeyId(payload);
          if (keyId && keyId !== PLATFORM_PAYLOAD_KEY_ID)
            opened.set(keyId, (opened.get(keyId) ?? 0) + 1);
          return plain;
        } catch {
          unopened += 1;
          return json;
        }
      }),
    );
    if (unopened > 0)
      deps.logger.info({ unopened }, 'codec left payloads it cannot open as they were');
    const via = typeof req.params.token === 'string' ? 'web-ui' : 'platform-token';
    for (const [tenantId, count] of opened) {
      const entry = {
        event: 'payload.decoded' as const,
        actor: { kind: 'platform' as const, id: 'platform' },
        ip: clientIp(req),
        details: { count, via },
      };
      // A key id that is no provisioned tenant (a probe's) has no key for the IP: the
      // platform's own log keeps the entry, naming it.
      await deps.accessLog
        .record({ ...entry, tenantId })
        .catch(() => deps.accessLog.record({ ...entry, details: { ...entry.details, tenantId } }));
    }
    res.json({ payloads: decoded });
  };

  const encode = async (req: Request, res: Response) => {
    const { payloads } = req.body as z.infer<typeof codecBody>;
    if (!mayRead(req)) throw unauthorized('platform token or codec URL required');
    const tenantId = req.get(TENANT_HEADER);
    if (!tenantId || !tenantIdPattern.test(tenantId)) {
      throw invalid(`encoding needs the tenant id in ${TENANT_HEADER}`, 'tenant_required');
    }
    let key: Buffer;
    try {
      key = await deps.keys.findKey(tenantId);
    } catch (err) {
      const missing = err instanceof PayloadKeyUnavailableError && err.problem !== 'unreadable';
      if (missing) throw notFound('payload key of that tenant');
      throw err;
    }
    res.json({
      payloads: payloads.map((json) =>
        payloadToJson(sealPayload(payloadFromJson(json), key, tenantId)),
      ),
    });
  };

  const route = (
    action: 'decode' | 'encode',
    path: string,
    handler: (req: Request, res: Response) => Promise<unknown>,
  ) =>
    defineRoute({
      method: 'post',
      path,
      tag: 'codec',
      summary: `Temporal codec server: ${action} payloads`,
      description:
        (path.includes(':token')
          ? 'Authenticated by the codec token in the path (for the Temporal Web UI).'
          : 'Authenticated by `Authorization: Bearer <platform token>` (for the Temporal CLI).') +
        (action === 'decode'
          ? ' Without valid credentials the payloads come back unchanged.'
          : ' Needs the tenant in `X-Consentflow-Tenant`.'),
      auth: 'none',
      request: { query: codecQuery, body: codecBody },
      responses: { 200: { description: 'the payloads', schema: codecBody } },
      handler: (_input, req, res) => handler(req, res),
    });
  return [
    route('decode', '/codec/decode', decode),
    route('decode', '/codec/:token/decode', decode),
    route('encode', '/codec/encode', encode),
    route('encode', '/codec/:token/encode', encode),
  ];
}
