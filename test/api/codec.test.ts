/**
 * The codec endpoint the Temporal Web UI and CLI call: decoding for the platform operator
 * only (tenant and platform payloads), the Web UI's secret URL, encoding, and CORS for the
 * UI's origin only.
 */
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import {
  payloadFromJson,
  payloadToJson,
  type PayloadJson,
} from '../../src/api/schemas/codec-payloads';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  TenantPayloadCodec,
} from '../../src/temporal/payload-codec';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { historyPayloads } from '../helpers/history-payloads';
import { uniqueSuffix } from '../helpers/services';

const b64 = (value: string) => Buffer.from(value).toString('base64');
const unb64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('codec endpoint', () => {
  let stack: AppStack;
  let connection: Connection;
  let tenantId: string;
  let probeId: string;
  let sealed: PayloadJson[];
  beforeAll(async () => {
    stack = await startAppStack();
    tenantId = `codc${uniqueSuffix()}`;
    const res = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ tenantId });
    expect(res.status).toBe(200);
    probeId = res.body.probeId;
    connection = await Connection.connect({ address: stack.config.temporal.address });
    const plain = new Client({ connection, namespace: stack.config.temporal.namespace });
    const history = await plain.workflow.getHandle(res.body.workflowId).fetchHistory();
    sealed = historyPayloads(history).map(payloadToJson);
  });
  afterAll(async () => {
    await connection?.close();
    await stack?.stop();
  });

  const decode = (path = '/codec/decode') =>
    request(stack.app)
      .post(`${path}?preserveStorageRefs=true`)
      .set('X-Namespace', stack.config.temporal.namespace);

  const expectDecoded = (body: { payloads: PayloadJson[] }) => {
    expect(body.payloads).toHaveLength(sealed.length);
    for (const payload of body.payloads) {
      expect(unb64(payload.metadata?.encoding)).not.toBe(ENCRYPTED_ENCODING);
    }
    const input = body.payloads.find((p) => unb64(p.data).includes('"probeId"'));
    expect(JSON.parse(unb64(input?.data))).toEqual({ tenantId, probeId });
  };

  it('decodes the history payloads into JSON for the platform token', async () => {
    expect(sealed.length).toBeGreaterThanOrEqual(6);
    const res = await decode()
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ payloads: sealed });
    expect(res.status).toBe(200);
    expectDecoded(res.body);
    expect(unb64(res.body.payloads[0].metadata.encoding)).toBe('json/plain');
    // The decode is in the access log, with how many of the tenant's payloads were opened.
    const { AccessLog } = stack.data.tenants.control;
    const logged = await AccessLog.findOne({
      event: 'payload.decoded',
      $or: [{ tenantId }, { 'details.tenantId': tenantId }],
    }).lean();
    expect(logged?.details).toMatchObject({ count: sealed.length, via: 'platform-token' });
  });

  it('decodes for the secret codec URL the Web UI is given', async () => {
    const res = await decode(`/codec/${stack.codecToken}/decode`).send({ payloads: sealed });
    expect(res.status).toBe(200);
    expectDecoded(res.body);
  });

  it('hands the payloads back unchanged to callers without valid credentials', async () => {
    const attempts = [
      decode(),
      decode().set('Authorization', 'Bearer not-the-platform-token'),
      decode().set('Authorization', `Bearer ${stack.codecToken}`), // only valid in the URL
      decode(`/codec/${stack.platformToken}/decode`), // the platform token never in a URL
      decode(`/codec/wrong${stack.codecToken}/decode`),
    ];
    for (const attempt of attempts) {
      const res = await attempt.send({ payloads: sealed });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ payloads: sealed });
    }
  });

  it("decodes a platform workflow's payloads, sealed with the platform key", async () => {
    const original = { metadata: { encoding: b64('json/plain') }, data: b64('{"tenantId":"x"}') };
    const [platformSealed] = await new TenantPayloadCodec(stack.payloadKeys).encode(
      [payloadFromJson(original)],
      {
        type: 'workflow',
        namespace: stack.config.temporal.namespace,
        workflowId: `tenant-shredding:${tenantId}:x`,
      },
    );
    const json = payloadToJson(platformSealed!);
    expect(unb64(json.metadata?.[KEY_ID_METADATA])).toBe('platform');
    const viaToken = await decode()
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ payloads: [json] });
    const viaUrl = await decode(`/codec/${stack.codecToken}/decode`).send({ payloads: [json] });
    for (const res of [viaToken, viaUrl]) {
      expect(res.status).toBe(200);
      expect(payloadFromJson(res.body.payloads[0])).toEqual(payloadFromJson(original));
    }
    const withoutCredentials = await decode().send({ payloads: [json] });
    expect(withoutCredentials.body).toEqual({ payloads: [json] });
  });

  it('leaves payloads it did not seal as they are', async () => {
    const foreign = { metadata: { encoding: b64('json/plain') }, data: b64('"hello"') };
    const res = await decode()
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ payloads: [foreign] });
    expect(res.body).toEqual({ payloads: [foreign] });
  });

  it('encodes for a tenant named in X-Consentflow-Tenant, and decodes back', async () => {
    const original = { metadata: { encoding: b64('json/plain') }, data: b64('{"n":1}') };
    const res = await request(stack.app)
      .post('/codec/encode')
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .set('X-Consentflow-Tenant', tenantId)
      .send({ payloads: [original] });
    expect(res.status).toBe(200);
    const [encoded] = res.body.payloads as PayloadJson[];
    expect(unb64(encoded!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(unb64(encoded!.metadata?.[KEY_ID_METADATA])).toBe(tenantId);
    const back = await decode()
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ payloads: [encoded] });
    expect(payloadFromJson(back.body.payloads[0])).toEqual(payloadFromJson(original));
  });

  it('refuses to encode without credentials, without a tenant, or for a tenant without key', async () => {
    const body = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('1') }] };
    const encode = () => request(stack.app).post('/codec/encode');
    const auth = `Bearer ${stack.platformToken}`;

    const anonymous = await encode().set('X-Consentflow-Tenant', tenantId).send(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.id).toBe('unauthorized');
    const noTenant = await encode().set('Authorization', auth).send(body);
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error.id).toBe('tenant_required');
    const unknown = await encode()
      .set('Authorization', auth)
      .set('X-Consentflow-Tenant', `none${uniqueSuffix()}`)
      .send(body);
    expect(unknown.status).toBe(404);
  });

  it('rejects bodies that are not codec JSON', async () => {
    const auth = `Bearer ${stack.platformToken}`;
    const notJson = await decode().set('Authorization', auth).type('text/plain').send('x');
    expect(notJson.status).toBe(415);
    const wrongShape = await decode()
      .set('Authorization', auth)
      .send({ payloads: [{ data: 'not base64!' }] });
    expect(wrongShape.status).toBe(400);
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(stack.app)
        .options(`/codec/${stack.codecToken}/decode`)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-namespace');

    it("answers the Web UI's preflight, on localhost and 127.0.0.1", async () => {
      const [first, second] = stack.config.codec.corsOrigins;
      expect(first).toBe('http://localhost:8233');
      expect(second).toBe('http://127.0.0.1:8233');
      for (const origin of [first!, second!]) {
        const res = await preflight(origin);
        expect(res.status).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(res.headers['access-control-allow-methods']).toContain('POST');
        expect(res.headers['access-control-allow-headers']).toMatch(/X-Namespace/i);
        expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/i);
        expect(res.headers.vary).toMatch(/Origin/);
      }
    });

    it('labels the UI origin on the decode response', async () => {
      const origin = stack.config.codec.corsOrigins[0]!;
      const res = await decode(`/codec/${stack.codecToken}/decode`)
        .set('Origin', origin)
        .send({ payloads: sealed });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expectDecoded(res.body);
    });

    it('refuses other origins, preflight and request alike', async () => {
      for (const origin of ['http://evil.example', 'http://localhost:3000', 'null']) {
        const res = await preflight(origin);
        expect(res.status).toBe(403);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      const res = await decode(`/codec/${stack.codecToken}/decode`)
        .set('Origin', 'http://evil.example')
        .send({ payloads: sealed });
      expect(res.status).toBe(403);
      expect(res.body.error.id).toBe('origin_not_allowed');
    });
  });
});
