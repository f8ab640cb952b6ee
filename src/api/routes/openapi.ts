/** `GET /api/openapi.json`: the OpenAPI 3.1 document of every route the app mounts. */
import { z } from 'zod';
import { buildOpenApiDocument, type DocumentOptions } from '../openapi';
import { defineRoute, type RouteDefinition } from '../route';

/** The document route; `routes` is read on first request, once every route is declared. */
export const openApiRoutes = (routes: readonly RouteDefinition[], options: DocumentOptions) => {
  let document: unknown;
  return [
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      tag: 'operations',
      summary: 'This document',
      auth: 'none',
      responses: {
        200: {
          description: 'OpenAPI 3.1',
          schema: z.looseObject({ openapi: z.string() }).meta({ id: 'OpenApiDocument' }),
        },
      },
      handler(_input, _req, res) {
        document ??= buildOpenApiDocument(routes, options);
        res.json(document);
      },
    }),
  ];
};
