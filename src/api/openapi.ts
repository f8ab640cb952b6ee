/**
 * The OpenAPI 3.1 document, generated from the route declarations (src/api/route.ts) by
 * zod-to-openapi: every mounted route is declared, so every route is documented with the
 * same schemas that validate it. Error responses follow from a route's declaration (auth
 * → 401, feature → 403, path parameters → 404, always 400 since validation is strict).
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { bodyContentTypes, paramsSchema, type AuthKind, type RouteDefinition } from './route';

/** The error body every failure uses. */
export const errorBody = z
  .strictObject({
    error: z.strictObject({
      id: z.string().meta({ description: 'stable snake_case code', example: 'invalid_request' }),
      message: z.string().meta({ description: 'safe to show; never quotes personal data' }),
      problems: z
        .array(z.strictObject({ node: z.string(), field: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'every problem of an invalid automation definition, with its node' }),
    }),
  })
  .meta({ id: 'Error' });

/**
 * The credentials a route accepts. A cookie session must also send its CSRF token on every
 * call that changes state (anything but GET), so those operations require both schemes.
 */
function securityOf(auth: AuthKind, method: string): Record<string, string[]>[] {
  const session: Record<string, string[]> =
    method === 'get' ? { sessionCookie: [] } : { sessionCookie: [], csrfToken: [] };
  switch (auth) {
    case 'none':
      return [];
    case 'platform':
      return [{ platformToken: [] }];
    case 'tenant':
      return [{ apiKey: [] }, session];
    case 'session':
      return [session];
  }
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBody } },
});

/** A failure a page route presents as a page (`renderError`). */
const errorPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

/** Express `:name` → OpenAPI `{name}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function describe(route: RouteDefinition) {
  const lines = [route.description ?? ''];
  if (route.feature) lines.push(`Requires the \`${route.feature}\` feature permission.`);
  return lines.filter(Boolean).join('\n\n') || undefined;
}

/** What the document says about the install. */
export interface DocumentOptions {
  version: string;
  /** The session cookie's name (`__Host-` prefixed when the api serves HTTPS). */
  sessionCookie: string;
}

/** Builds the document for the given routes. */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  { version, sessionCookie }: DocumentOptions,
) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'platformToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The platform operator token (CONSENTFLOW_PLATFORM_TOKEN).',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'cfk_<id>_<secret>',
    description: 'A tenant API key; its scopes, lists and fields limit what it may do.',
  });
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookie,
    description:
      'A console session, set by `POST /api/v1/auth/login`; the user’s features, lists and fields limit what it may do.',
  });
  registry.registerComponent('securitySchemes', 'csrfToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description:
      'The CSRF token of the session (`csrfToken` of the login or `GET /api/v1/auth/session` answer); required with the session cookie on every call that changes state.',
  });
  for (const route of routes) {
    const { body, raw, query } = route.request ?? {};
    const params = paramsSchema(route);
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      // A declared failure without a body of its own has the error shape.
      const schema =
        spec.schema ?? (Number(status) >= 400 && !spec.contentType ? errorBody : undefined);
      responses[status] = {
        description: spec.description,
        ...(schema || spec.contentType
          ? {
              content: {
                ...(schema ? { 'application/json': { schema } } : {}),
                ...(spec.contentType ? { [spec.contentType]: { schema: { type: 'string' } } } : {}),
              },
            }
          : {}),
      };
    }
    const failure = route.renderError ? errorPage : errorResponse;
    responses['400'] ??= failure('invalid input (unknown field or parameter, wrong type)');
    if (route.auth !== 'none') responses['401'] ??= failure('missing or wrong credentials');
    const refusals = [
      ...(route.feature ? [`the ${route.feature} permission is missing (\`forbidden\`)`] : []),
      ...(route.auth === 'session' ? ['called with an API key (`session_required`)'] : []),
      ...(route.auth === 'tenant' || route.auth === 'session'
        ? [
            'a session call without its CSRF token (`csrf_token_invalid`)',
            'a session that must first change its password or enrol a second factor',
          ]
        : []),
    ];
    if (refusals.length > 0) responses['403'] ??= failure(refusals.join('; '));
    // Pages declare their own not-found answers; a JSON route's path parameters may miss.
    if (params && !route.renderError)
      responses['404'] ??= errorResponse('no such resource, or not visible to the caller');
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      summary: route.summary,
      description: describe(route),
      tags: [route.tag],
      security: securityOf(route.auth, route.method),
      ...(route.feature ? { 'x-permission': route.feature } : {}),
      ...(route.readsPersonalData ? { 'x-personal-data': true } : {}),
      request: {
        params,
        query,
        body: body
          ? {
              // A body whose fields are all optional (one-click unsubscribe) may come empty.
              required: !body.safeParse({}).success,
              content: { [bodyContentTypes[route.request?.bodyType ?? 'json']]: { schema: body } },
            }
          : raw
            ? {
                required: true,
                description: raw.description,
                content: Object.fromEntries(
                  raw.contentTypes.map((type) => [type, { schema: { type: 'string' } }]),
                ),
              }
            : undefined,
      },
      responses: responses as never,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Consentflow API',
      version,
      description:
        'GDPR automation for email-marketing data. Errors: `{ "error": { "id", "message" } }`; unknown fields and parameters are rejected.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
  });
}
