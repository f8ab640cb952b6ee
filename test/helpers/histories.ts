/**
 * Recorded workflow histories for replay tests. A history is stored with its payloads opened
 * (the tenant's payload key dies with the test run that wrote it), so a later version of the
 * workflow code can be replayed against it: a change that would make a running workflow take
 * another path on replay fails the replay test (test/workflows/history-replay.test.ts).
 *
 * `keepHistory` replays the run's own history at once with the current code, and with
 * `RECORD_HISTORIES=1` also writes it to test/fixtures/histories/<name>.json.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { isEncryptedPayload, TenantPayloadCodec } from '../../src/temporal/payload-codec';
import type { PayloadKeySource } from '../../src/temporal/payload-keys';

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

/** A history as plain JSON: bytes in base64, 64-bit numbers as strings, enums by name. */
const toPlain = (history: temporal.api.history.v1.IHistory) =>
  History.toObject(History.fromObject(history), {
    longs: String,
    bytes: String,
    enums: String,
  }) as Record<string, unknown>;

/** A payload in the plain form: metadata and data in base64. */
interface PlainPayload {
  metadata: Record<string, string>;
  data?: string;
}

const fromPlain = (p: PlainPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toPlainPayload = (p: Payload): PlainPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const historiesDir = path.join(__dirname, '..', 'fixtures', 'histories');

/** Replays `history` with the current workflow code; throws on nondeterminism. */
export async function replay(history: History, workflowId: string): Promise<void> {
  await Worker.runReplayHistory(
    {
      workflowsPath: require.resolve('../../workflows'),
      dataConverter: {
        failureConverterPath: require.resolve('../../src/temporal/failure-converter'),
      },
    },
    history,
    workflowId,
  );
}

/** Opens every sealed payload of a history (in its JSON form), in place. */
async function openPayloads(node: unknown, codec: TenantPayloadCodec): Promise<void> {
  if (node === null || typeof node !== 'object') return;
  // Arrays too: a payload list's items are replaced by index.
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    if (isPlainPayload(value)) {
      const payload = fromPlain(value);
      if (isEncryptedPayload(payload)) {
        const [opened] = await codec.decode([payload]);
        object[key] = toPlainPayload(opened!);
        continue;
      }
    }
    await openPayloads(value, codec);
  }
}

const isPlainPayload = (v: unknown): v is PlainPayload =>
  typeof v === 'object' &&
  v !== null &&
  'metadata' in v &&
  typeof (v as { metadata: unknown }).metadata === 'object';

/** The run's history with its payloads opened, replayed at once; stored when recording. */
export async function keepHistory(
  handle: WorkflowHandle,
  keys: PayloadKeySource,
  name: string,
): Promise<History> {
  const json = toPlain(await handle.fetchHistory());
  await openPayloads(json, new TenantPayloadCodec(keys));
  const history = History.fromObject(json);
  await replay(history, handle.workflowId);
  if (process.env.RECORD_HISTORIES === '1')
    await writeFile(
      path.join(historiesDir, `${name}.json`),
      `${JSON.stringify({ workflowId: handle.workflowId, history: json }, null, 1)}\n`,
    );
  return history;
}

/** The stored histories: name, workflow id and history. */
export async function storedHistories() {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(
        await readFile(path.join(historiesDir, file), 'utf8'),
      ) as { workflowId: string; history: unknown };
      return {
        name: file.replace(/\.json$/, ''),
        workflowId,
        history: History.fromObject(history as Record<string, unknown>),
      };
    }),
  );
}
