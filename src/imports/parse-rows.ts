/**
 * Streams records out of an uploaded CSV (header row) or NDJSON file with their line
 * numbers. A malformed record (broken quoting, wrong column count, invalid JSON) is reported
 * for its line and parsing goes on with the next one. A quoted field that is never closed
 * properly runs on, as CSV allows line breaks in quoted fields, until a line where the
 * record can end; that line is the one reported.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';

/** One record, or why its line could not be read. */
export type ParsedRecord =
  { line: number; record: Record<string, unknown> } | { line: number; error: string };

/** The upload formats. */
export type ImportFormat = 'csv' | 'ndjson';

/**
 * Yields the records of `input` in file order, as many at a time as the input had ready:
 * one promise per row would cost an import of 100,000 rows more than parsing them.
 */
export async function* parseRecords(
  input: Readable,
  format: ImportFormat,
): AsyncGenerator<ParsedRecord[]> {
  if (format === 'ndjson') yield* parseNdjson(input);
  else yield* parseCsv(input);
}

async function* parseCsv(input: Readable): AsyncGenerator<ParsedRecord[]> {
  const skipped: ParsedRecord[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (err: Error & { lines?: number; code?: string }) => {
    skipped.push({ line: err.lines ?? 0, error: csvReason(err) });
  });
  type Parsed = { record: Record<string, string>; info: { lines: number } };
  for await (const first of parser as AsyncIterable<Parsed>) {
    const ready: ParsedRecord[] = [];
    for (let next: Parsed | null = first; next; next = parser.read() as Parsed | null) {
      // The parser reports a skipped line before it hands over the records read ahead of
      // it (and reading on may parse more): release errors in line order.
      if (skipped.length > 1) skipped.sort((a, b) => a.line - b.line);
      while (skipped.length && skipped[0]!.line < next.info.lines) ready.push(skipped.shift()!);
      ready.push({ line: next.info.lines, record: next.record });
    }
    yield ready;
  }
  yield skipped.sort((a, b) => a.line - b.line);
}

function csvReason(err: { code?: string }): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return 'wrong number of columns';
    case 'CSV_QUOTE_NOT_CLOSED':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return 'broken quoting';
    default:
      return 'malformed CSV record';
  }
}

async function* parseNdjson(input: Readable): AsyncGenerator<ParsedRecord[]> {
  let line = 0;
  let rest = '';
  const decoder = new StringDecoder('utf8'); // a character may straddle two chunks
  const handle = (text: string): ParsedRecord | undefined => {
    line += 1;
    if (text.trim() === '') return undefined;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { line, error: 'not a JSON object' };
      }
      return { line, record: value as Record<string, unknown> };
    } catch {
      return { line, error: 'invalid JSON' };
    }
  };
  for await (const chunk of input) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop() ?? '';
    const ready: ParsedRecord[] = [];
    for (const text of lines) {
      const parsed = handle(text.replace(/\r$/, ''));
      if (parsed) ready.push(parsed);
    }
    yield ready;
  }
  const last = handle(rest + decoder.end());
  if (last) yield [last];
}
