/**
 * One declaration per route: method, path, authentication, feature permission, request
 * schemas and response schemas sit next to the handler. The same declaration mounts the
 * route on express (auth, then feature check, then strict validation, then the handler) and
 * describes it in the OpenAPI document (src/api/openapi.ts), so the document cannot drift
 * from what the server enforces.
 *
 * Validation is strict everywhere: an undeclared query parameter or body field is a 400, a
 * body sent to a route that takes none is a 400, and a value of the wrong type (an operator
 * object such as `{"$gt": ""}` where a string belongs, a repeated query parameter) is a 400.
 *
 * Most routes speak JSON. Recipients' pages speak HTML: they take HTML form posts
 * (`bodyType: 'form'`) and present their failures as a page (`renderError`), while being
 * declared, validated and documented the same way.
 */
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { z } from 'zod';
import type { Feature } from '../auth/permissions';
import { AppError, invalid } from '../errors';
import { toHttpProblem, type HttpProblem } from './middleware/error-handler';
import { requireFeature } from './middleware/tenant-auth';
import { auditBeforeAnswer } from './audit';

/**
 * How a route authenticates its caller; `mountRoutes` is given one middleware per kind.
 * `tenant`: an API key or a console session (both resolved by src/api/middleware/
 * authenticate.ts, which also enforces CSRF on cookie calls that change state); `session`:
 * a console session only (account management and the session's own account); `platform`:
 * the operator token.
 */
export type AuthKind = 'none' | 'platform' | 'tenant' | 'session';

/** The authentication middlewares, one per kind that needs one. */
export type AuthMiddlewares = Record<Exclude<AuthKind, 'none'>, RequestHandler>;

/** HTTP methods routes use. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A request body that the handler reads itself (a streamed upload), not JSON. */
export interface RawBody {
  contentTypes: readonly string[];
  description: string;
}

/** One documented response. */
export interface ResponseSpec {
  description: string;
  /** The JSON body; omit for an empty body (204) or a non-JSON one (set `contentType`). */
  schema?: z.ZodType;
  /**
   * For non-JSON bodies such as `text/csv` or `text/html`; the body is documented as a
   * string. With a `schema` too, the route answers either (e.g. chosen by a `format`
   * parameter).
   */
  contentType?: string;
}

/** How the body of a route is encoded. */
export type BodyType = 'json' | 'form';

/** The content type of each body type, as the document names it. */
export const bodyContentTypes: Record<BodyType, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
};

/** Largest HTML form post (the parser answers 413 above it). */
const FORM_LIMIT = '10kb';

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** `{ id: string }` for `/lists/:id`: the params a path declares, for handlers' types. */
export type PathParams<S extends string> = S extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<`/${Rest}`>
  : S extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<string, never>;

/** Everything about one route. */
export interface RouteSpec<
  Path extends string = string,
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
> {
  method: Method;
  /** Express syntax (`/api/v1/lists/:id`); the document shows `{id}`. */
  path: Path;
  summary: string;
  description?: string;
  /** Groups routes in the document. */
  tag: string;
  auth: AuthKind;
  /** The feature permission the caller needs; required for `tenant`, optional for `session`. */
  feature?: Feature;
  /**
   * Callable, whatever its method, for a tenant frozen after its contract's end (which is
   * otherwise read-only): a user's own password and second factor, without which the export
   * window could not be used.
   */
  whileFrozen?: true;
  /**
   * A GET that answers with personal data (addresses, names, IPs): each call is logged as
   * `personal_data.read` (src/api/audit.ts), unless the handler logs a more telling entry.
   * test/api/access-log-coverage.test.ts checks that every route whose response holds such
   * fields says so.
   */
  readsPersonalData?: true;
  request?: {
    /** Path parameters; omitted: every `:name` in the path is a string. */
    params?: P;
    /** Query parameters; omitted: the route takes none (any is a 400). */
    query?: Q;
    /** The body; omitted: the route takes none (a non-empty body is a 400). */
    body?: B;
    /**
     * `json` (default; parsed by the app for `/api/v1`) or `form`: an HTML form post
     * (`application/x-www-form-urlencoded`, flat string fields, at most 10 kB), parsed here.
     * A form post in another encoding reaches validation as an empty body.
     */
    bodyType?: BodyType;
    /** A body the handler streams itself (the JSON parser is not involved). */
    raw?: RawBody;
  };
  responses: Record<number, ResponseSpec>;
  /** Extra middleware run after authentication and before validation (body parsers, CORS). */
  middleware?: readonly RequestHandler[];
  /**
   * Presents this route's expected failures (invalid input, a refused body, product errors
   * of the handler, as their HTTP form) itself, for routes people see in a browser; omitted: the JSON error shape.
   * Error statuses it sends are declared in `responses` with their `contentType`.
   */
  renderError?: (error: HttpProblem, req: Request, res: Response) => void;
  handler: (
    input: {
      params: P extends z.ZodObject ? z.output<P> : PathParams<Path>;
      query: Parsed<Q>;
      body: Parsed<B>;
    },
    req: Request,
    res: Response,
  ) => unknown;
}

/** A declared route, as `mountRoutes` and the OpenAPI document see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RouteDefinition = RouteSpec<string, any, any, any>;

/** Declares a route; the types of the handler's input follow from the schemas. */
export function defineRoute<
  const Path extends string,
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<Path, P, Q, B>): RouteDefinition {
  if (spec.auth === 'tenant' && !spec.feature)
    throw new Error(`${spec.method} ${spec.path}: a tenant route must name its feature`);
  if (spec.auth !== 'tenant' && spec.auth !== 'session' && spec.feature)
    throw new Error(`${spec.method} ${spec.path}: only tenant and session routes check features`);
  return spec as RouteDefinition;
}

/** The path parameter names of an express path. */
export const pathParams = (path: string) =>
  [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

/** The params schema of a route: declared, or every path parameter as a string. */
export function paramsSchema(route: RouteDefinition): z.ZodObject | undefined {
  if (route.request?.params) return route.request.params;
  const names = pathParams(route.path);
  if (names.length === 0) return undefined;
  return z.strictObject(Object.fromEntries(names.map((n) => [n, z.string().max(200)])));
}

const noQuery = z.strictObject({});

/** Parses one part of the request, naming the part in the message of a failure. */
function parsePart<T extends z.ZodType>(schema: T, value: unknown, part: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : part;
  const message =
    issue?.code === 'unrecognized_keys'
      ? `unknown ${part === 'body' ? 'field' : 'parameter'}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      : (issue?.message ?? 'invalid');
  throw invalid(`${where}: ${message}`);
}

const hasBody = (body: unknown) =>
  body !== undefined &&
  !(typeof body === 'object' && body !== null && Object.keys(body).length === 0);

/** Options of `mountRoutes`. */
export interface MountOptions {
  /**
   * Check every JSON response against the declared schema of its status (errors against the
   * error shape) and fail the request when it does not match: on in tests, so the whole
   * suite keeps the document's response schemas true; off in production.
   */
  checkResponses?: boolean;
}

/** The error body every failure uses (the document's `Error`). */
export const errorShape = z.strictObject({
  error: z.strictObject({
    id: z.string().regex(/^[a-z_]+$/),
    message: z.string(),
    problems: z
      .array(z.strictObject({ node: z.string(), field: z.string(), message: z.string() }))
      .optional(),
  }),
});

/** Wraps `res.json` and `res.send` so a response that contradicts the declaration throws. */
function checkResponses(route: RouteDefinition, res: Response) {
  // Non-JSON bodies (pages, text) must have their status declared with their content type;
  // res.json() sends through res.send() too, after setting a JSON type.
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const type = String(res.get('Content-Type') ?? '');
    if (type && !type.includes('json')) {
      const declared = route.responses[res.statusCode]?.contentType;
      if (!declared || !type.startsWith(declared))
        throw new AppError(
          'internal',
          'response_mismatch',
          `${route.method} ${route.path}: ${res.statusCode} ${type} is not declared`,
        );
    }
    return send(body);
  };
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const status = res.statusCode;
    const declared = route.responses[status];
    const schema = declared?.schema ?? (status >= 400 ? errorShape : undefined);
    // A product error, so the mismatch shows in the failing test's response body.
    if (status < 400 && !declared)
      throw new AppError(
        'internal',
        'response_mismatch',
        `${route.path}: undeclared status ${status}`,
      );
    const result = schema?.safeParse(body);
    if (result && !result.success)
      throw new AppError(
        'internal',
        'response_mismatch',
        `${route.method} ${route.path}: response ${status} does not match its schema: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    return json(body);
  };
}

/** The handler chain of one route: auth, feature, middleware, validation, handler. */
function chainFor(
  route: RouteDefinition,
  auth: Partial<AuthMiddlewares>,
  options: MountOptions,
): (RequestHandler | ErrorRequestHandler)[] {
  const params = paramsSchema(route);
  const query = route.request?.query ?? noQuery;
  const body = route.request?.body;
  const takesRaw = route.request?.raw !== undefined;
  const validateAndRun: RequestHandler = async (req, res) => {
    // Beneath the response check, so a mismatch still fails the request at once.
    auditBeforeAnswer(route, req, res);
    if (options.checkResponses) checkResponses(route, res);
    const input = {
      params: params ? parsePart(params, req.params, 'params') : undefined,
      query: parsePart(query, req.query, 'query'),
      body: body ? parsePart(body, req.body ?? {}, 'body') : undefined,
    };
    if (!body && !takesRaw && hasBody(req.body))
      throw invalid('body: this route takes no request body');
    await route.handler(input, req, res);
  };
  const authenticate = route.auth === 'none' ? undefined : auth[route.auth];
  if (route.auth !== 'none' && !authenticate)
    throw new Error(`${route.method} ${route.path}: no middleware for auth '${route.auth}'`);
  const renderError = route.renderError;
  const presentError: ErrorRequestHandler | undefined = renderError
    ? (err, req, res, next) => {
        const known = toHttpProblem(err);
        if (!known || res.headersSent) return next(err);
        res.set(known.headers);
        renderError(known, req, res);
      }
    : undefined;
  const markWhileFrozen: RequestHandler = (_req, res, next) => {
    res.locals.whileFrozen = true;
    next();
  };
  return [
    ...(route.whileFrozen ? [markWhileFrozen] : []),
    ...(authenticate ? [authenticate] : []),
    ...(route.feature ? [requireFeature(route.feature)] : []),
    ...(route.request?.bodyType === 'form'
      ? [express.urlencoded({ extended: false, limit: FORM_LIMIT })]
      : []),
    ...(route.middleware ?? []),
    validateAndRun,
    ...(presentError ? [presentError] : []),
  ];
}

/** A router holding the routes, each with its full path (mount it at the root). */
export function mountRoutes(
  routes: readonly RouteDefinition[],
  auth: Partial<AuthMiddlewares> = {},
  options: MountOptions = {},
): Router {
  const router = Router();
  for (const route of routes) router[route.method](route.path, ...chainFor(route, auth, options));
  return router;
}
