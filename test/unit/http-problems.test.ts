import { ZodError, z } from 'zod';
import { toHttpProblem } from '../../src/api/middleware/error-handler';
import { SubscribeLimitError } from '../../src/consent/subscription/flood-limits';
import { UnknownTenantError } from '../../src/db/tenant-access';
import {
  AppError,
  conflict,
  forbidden,
  invalid,
  notFound,
  tooMany,
  unauthorized,
  type ErrorKind,
} from '../../src/errors';
import { UploadError } from '../../src/imports/store-upload';
import { ContractChangeTimeoutError } from '../../src/tenants/contract-end';

describe('the HTTP form of product errors', () => {
  it.each<[ErrorKind, number]>([
    ['invalid', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['gone', 410],
    ['too_large', 413],
    ['unsupported', 415],
    ['too_many', 429],
    ['internal', 500],
    ['unavailable', 503],
  ])('answers an error of kind %s with %i, its id and its message', (kind, status) => {
    expect(toHttpProblem(new AppError(kind, 'some_id', 'what happened'))).toEqual({
      status,
      id: 'some_id',
      message: 'what happened',
      headers: {},
    });
  });

  it('keeps the ids and messages of the helpers', () => {
    const of = (err: AppError) => {
      const { status, id, message } = toHttpProblem(err)!;
      return [status, id, message];
    };
    expect(of(invalid('name: required'))).toEqual([400, 'invalid_request', 'name: required']);
    expect(of(invalid('bad code', 'invalid_code'))).toEqual([400, 'invalid_code', 'bad code']);
    expect(of(unauthorized())).toEqual([401, 'unauthorized', 'authentication required']);
    expect(of(forbidden('tenant_frozen', 'frozen'))).toEqual([403, 'tenant_frozen', 'frozen']);
    expect(of(notFound('list'))).toEqual([404, 'not_found', 'list not found']);
    expect(of(notFound())).toEqual([404, 'not_found', 'resource not found']);
    expect(of(conflict('email_taken', 'taken'))).toEqual([409, 'email_taken', 'taken']);
  });

  it('says when to retry in Retry-After', () => {
    expect(toHttpProblem(tooMany('too_many_attempts', 'later', 30))).toEqual({
      status: 429,
      id: 'too_many_attempts',
      message: 'later',
      headers: { 'Retry-After': '30' },
    });
  });

  it('answers the product errors that carry more with the same statuses as before', () => {
    expect(toHttpProblem(new UnknownTenantError())).toEqual({
      status: 404,
      id: 'not_found',
      message: 'tenant not found',
      headers: {},
    });
    expect(toHttpProblem(new SubscribeLimitError('address', 120))).toEqual({
      status: 429,
      id: 'rate_limited',
      message: 'too many subscription requests for this address; retry later',
      headers: { 'Retry-After': '120' },
    });
    expect(toHttpProblem(new UploadError('body_too_large', 'too big'))).toMatchObject({
      status: 413,
      id: 'body_too_large',
    });
    expect(toHttpProblem(new UploadError('invalid_encoding', 'not UTF-8'))).toMatchObject({
      status: 400,
      id: 'invalid_encoding',
    });
    expect(toHttpProblem(new ContractChangeTimeoutError())).toEqual({
      status: 503,
      id: 'termination_unavailable',
      message: 'the contract termination did not answer in time; retry',
      headers: {},
    });
  });

  it('answers invalid input and refused bodies, and nothing else', () => {
    const zod = z.object({ name: z.string() }).safeParse({}).error;
    expect(zod).toBeInstanceOf(ZodError);
    expect(toHttpProblem(zod)).toMatchObject({ status: 400, id: 'invalid_request' });
    expect(toHttpProblem({ type: 'entity.too.large' })).toMatchObject({
      status: 413,
      id: 'body_too_large',
    });
    expect(toHttpProblem(new Error('driver failure'))).toBeUndefined();
  });
});
