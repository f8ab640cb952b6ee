/**
 * The payload codec endpoint (Temporal's codec-server protocol), so that the platform
 * operator, and nobody else, can read encrypted payloads in the Temporal Web UI and CLI:
 *
 * - `POST /codec/decode`, `/codec/encode` with `Authorization: Bearer <platform token>`
 *   (the CLI: `--codec-endpoint …/codec --codec-auth 'Bearer …'`);
 * - `POST /codec/<codec token>/decode`, `…/encode` for the Web UI, which can only be given
 *   a URL (see src/auth/codec-token.ts).
 *
 * Decode answers a caller without valid credentials with its payloads unchanged (the
 * protocol's convention for "may not read": the UI then shows them as it would without a
 * codec), and leaves unchanged any payload it cannot open (unknown or shredded tenant,
 * tampered). Encode needs the tenant (`X-Consentflow-Tenant`), because the protocol carries
 * no workflow id, and only uses keys that already exist.
 */
import express, { Router, type Request, type Response } from 'express';
import { tokensMatch } from '../../auth/platform-token';
import { tenantIdPattern } from '../../db/names';
import type { Logger } from '../../logger';
import { isEncryptedPayload, sealPayload, TenantPayloadCodec } from '../../temporal/payload-codec';
import { PayloadKeyUnavailableError, type PayloadKeySource } from '../../temporal/payload-keys';
import { badRequest, notFound, unauthorized } from '../errors';
import { allowOrigins } from '../middleware/cors';
import { requireJsonBody } from '../middleware/json-only';
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

/** Builds the codec routes. */
export function codecRoutes(
  deps: CodecEndpointDeps & { platformToken: string; logger: Logger },
): Router {
  const codec = new TenantPayloadCodec(deps.keys);
  const mayRead = (req: Request): boolean => {
    const pathToken = req.params.token;
    if (typeof pathToken === 'string') return tokensMatch(pathToken, deps.codecToken);
    const bearer = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    return bearer !== undefined && tokensMatch(bearer, deps.platformToken);
  };

  const decode = async (req: Request, res: Response) => {
    const { payloads } = codecBody.parse(req.body ?? {});
    if (!mayRead(req)) return res.json({ payloads });
    let unopened = 0;
    const decoded = await Promise.all(
      payloads.map(async (json) => {
        const payload = payloadFromJson(json);
        if (!isEncryptedPayload(payload)) return json;
        try {
          return payloadToJson((await codec.decode([payload]))[0]!);
        } catch {
          unopened += 1;
          return json;
        }
      }),
    );
    if (unopened > 0)
      deps.logger.info({ unopened }, 'codec left payloads it cannot open as they were');
    res.json({ payloads: decoded });
  };

  const encode = async (req: Request, res: Response) => {
    const { payloads } = codecBody.parse(req.body ?? {});
    if (!mayRead(req)) throw unauthorized('platform token or codec URL required');
    const tenantId = req.get(TENANT_HEADER);
    if (!tenantId || !tenantIdPattern.test(tenantId)) {
      throw badRequest(`encoding needs the tenant id in ${TENANT_HEADER}`, 'tenant_required');
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

  const paths = (action: string) => [`/codec/${action}`, `/codec/:token/${action}`];
  return Router()
    .use(
      '/codec',
      allowOrigins({
        origins: deps.corsOrigins,
        methods: ['POST', 'OPTIONS'],
        headers: ['Content-Type', 'X-Namespace', 'Authorization', 'Authorization-Extras'],
      }),
      requireJsonBody,
      express.json({ limit: BODY_LIMIT, strict: true }),
    )
    .post(paths('decode'), decode)
    .post(paths('encode'), encode);
}
