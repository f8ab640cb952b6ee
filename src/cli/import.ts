/**
 * `npm run import -- --list <listId> <file>`: uploads a CSV (header row) or NDJSON file of
 * contacts to a Consentflow api and follows the import with progress bars, then prints the
 * rejected rows by line. The API key comes from CONSENTFLOW_API_KEY (or --key), so it does
 * not end up in shell history by default.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';

const usage =
  'usage: npm run import -- --list <listId> [--api URL] [--key KEY] [--consent existing] <file.csv|file.ndjson>';

function fail(message: string): never {
  console.error(`import: ${message}`);
  process.exit(1);
}

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      list: { type: 'string' },
      api: { type: 'string', default: process.env.CONSENTFLOW_API_URL || 'http://localhost:3000' },
      // An empty variable counts as unset, as everywhere else in the configuration.
      key: { type: 'string', default: process.env.CONSENTFLOW_API_KEY || undefined },
      consent: { type: 'string', default: 'existing' },
    },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file || !values.list) fail(usage);
  if (!values.key)
    fail('set CONSENTFLOW_API_KEY (or pass --key) to an API key with contacts.import');
  const type =
    file.endsWith('.ndjson') || file.endsWith('.jsonl') ? 'application/x-ndjson' : 'text/csv';
  const size = await stat(file).then(
    (s) => s.size,
    () => fail(`cannot read ${file}`),
  );
  const headers = { Authorization: `Bearer ${values.key}` };

  const bars = new MultiBar(
    { format: ' {label} |{bar}| {value}/{total} {unit}', hideCursor: true },
    Presets.shades_classic,
  );
  const upload = bars.create(size, 0, { label: 'upload', unit: 'bytes' });
  let lines = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (const byte of chunk) if (byte === 10) lines += 1;
      upload.increment(chunk.length);
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream;
  const url = new URL(`/api/v1/lists/${encodeURIComponent(values.list)}/imports`, values.api);
  url.searchParams.set('consent', values.consent!);
  const started = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': type },
    body,
    duplex: 'half',
  } as RequestInit).catch((err: Error) => fail(`cannot reach ${values.api}: ${err.message}`));
  const startedBody = (await started.json()) as { id?: string; error?: { message: string } };
  if (!started.ok || !startedBody.id) {
    bars.stop();
    fail(startedBody.error?.message ?? `upload refused (HTTP ${started.status})`);
  }

  const expected = Math.max(type === 'text/csv' ? lines - 1 : lines, 1);
  const rows = bars.create(expected, 0, { label: 'rows  ', unit: 'rows' });
  for (;;) {
    const res = await fetch(new URL(`/api/v1/imports/${startedBody.id}`, values.api), { headers });
    const job = (await res.json()) as {
      status: string;
      total: number;
      imported: number;
      rejectedCount: number;
      rejected: { line: number; reason: string }[];
    };
    rows.setTotal(Math.max(expected, job.total));
    rows.update(job.total);
    if (job.status !== 'running') {
      bars.stop();
      console.log(
        `${job.status}: ${job.imported} imported, ${job.rejectedCount} rejected of ${job.total} rows`,
      );
      for (const r of job.rejected) console.log(`  line ${r.line}: ${r.reason}`);
      if (job.rejectedCount > job.rejected.length)
        console.log(`  … and ${job.rejectedCount - job.rejected.length} more`);
      process.exit(job.status === 'completed' ? 0 : 1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

void main();
