/** Reads what the embedded SMTP sink received, newest first, in the `/api/dev/mail` shape. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';

/** One received message. */
export interface SinkMessage {
  id: string;
  to: string[];
  from: string;
  subject: string;
  date: string;
  text: string;
  html: string;
  raw: string;
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) =>
    a.value.map((v) => v.address ?? ''),
  );

/** Lists up to `limit` messages from the sink folder, newest first. */
export async function readSinkMessages(dir: string, limit = 200): Promise<SinkMessage[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const newest = files.sort().reverse().slice(0, limit);
  return Promise.all(
    newest.map(async (file) => {
      const raw = await readFile(path.join(dir, file), 'utf8');
      const parsed = await simpleParser(raw);
      return {
        id: file.replace(/\.eml$/, ''),
        to: addresses(parsed.to),
        from: addresses(parsed.from)[0] ?? '',
        subject: parsed.subject ?? '',
        date: (parsed.date ?? new Date(Number(file.slice(0, 15)))).toISOString(),
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : '',
        raw,
      };
    }),
  );
}
