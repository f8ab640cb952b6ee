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
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { isEncryptedPayload, TenantPayloadCodec } from '../../src/temporal/payload-codec';
import type { PayloadKeySource } from '../../src/temporal/payload-keys';
import { historyPayloads } from './history-payloads';

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

/** A history as plain JSON: bytes in base64, 64-bit numbers as strings, enums by name. */
const toPlain = (history: temporal.api.history.v1.IHistory) =>
  History.toObject(History.fromObject(history), {
    longs: String,
    bytes: String,
    enums: String,
  }) as Record<string, unknown>;

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

/** The run's history with its payloads opened, replayed at once; stored when recording. */
export async function keepHistory(
  handle: WorkflowHandle,
  keys: PayloadKeySource,
  name: string,
): Promise<History> {
  const fetched = await handle.fetchHistory();
  const codec = new TenantPayloadCodec(keys);
  for (const payload of historyPayloads(fetched))
    if (isEncryptedPayload(payload)) {
      const [opened] = await codec.decode([payload]);
      payload.metadata = opened!.metadata;
      payload.data = opened!.data;
    }
  const json = toPlain(fetched);
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
