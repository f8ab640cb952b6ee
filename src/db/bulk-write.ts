/**
 * Bulk writes in bounded batches. FerretDB 1.24 (the embedded server) never answers an
 * `update` command carrying 100 or more statements, so bulk updates go in batches of 50;
 * real MongoDB is just as happy with them. Inserts have no such limit there, and one large
 * insert command costs the server less per document and the caller one round trip.
 */
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import { isCiphertext } from './encrypted-field';
import { DUPLICATE_KEY } from './duplicate-key';

type AnyModel = Model<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** MongoDB's duplicate key error code. */

/** Statements per update command. */
export const WRITE_BATCH = 50;

/** Documents per insert command. */
export const INSERT_BATCH = 1000;

/** Runs `operations` as unordered bulk writes of at most WRITE_BATCH statements, one after another. */
export async function bulkWriteBatched<T extends object>(
  model: AnyModel,
  operations: AnyBulkWriteOperation<T>[],
): Promise<void> {
  for (let i = 0; i < operations.length; i += WRITE_BATCH) {
    await model.bulkWrite(operations.slice(i, i + WRITE_BATCH) as never, { ordered: false });
  }
}

/**
 * Inserts `documents` unordered in batches of INSERT_BATCH. Documents whose `_id` already
 * exists (a concurrent writer, or a replayed batch) are skipped and their ids returned, so
 * the caller can update them instead.
 *
 * Every document is checked against the model's schema: a personal (`Encrypted`) field must
 * hold ciphertext, and a field the schema does not know is refused. The first of each batch
 * is also cast whole by mongoose (types, enums); the others are built by the same code, and
 * casting each cost a bulk import almost as much as encrypting it. The documents are then
 * inserted as they are, through the driver's collection: building a mongoose document per
 * row cost the import more than encrypting it.
 */
export async function insertBatched(
  model: AnyModel,
  documents: Record<string, unknown>[],
): Promise<Set<string>> {
  const duplicates = new Set<string>();
  for (let i = 0; i < documents.length; i += INSERT_BATCH) {
    const batch = documents.slice(i, i + INSERT_BATCH);
    const personal = personalFieldCheck(model);
    batch.forEach((doc, k) => (k === 0 ? checkAgainstSchema(model, doc) : personal(doc)));
    try {
      await model.collection.insertMany(batch, { ordered: false });
    } catch (err) {
      const writeErrors = (
        err as {
          writeErrors?: {
            code?: number;
            index?: number;
            err?: { code?: number; index?: number };
          }[];
        }
      ).writeErrors;
      if (!writeErrors) throw err;
      for (const e of writeErrors) {
        const code = e.code ?? e.err?.code;
        const index = e.index ?? e.err?.index;
        if (code !== DUPLICATE_KEY || index === undefined) throw err;
        duplicates.add(String(batch[index]?._id));
      }
    }
  }
  return duplicates;
}

/** Per model, the check of personalFieldCheck. */
const personalChecks = new WeakMap<AnyModel, (doc: Record<string, unknown>) => void>();

/**
 * The model's privacy check of a raw document: every top-level field is known to the
 * schema, and every `Encrypted` path holds ciphertext (or nothing).
 */
function personalFieldCheck(model: AnyModel): (doc: Record<string, unknown>) => void {
  let check = personalChecks.get(model);
  if (!check) {
    const encrypted: string[][] = [];
    model.schema.eachPath((path, type) => {
      if (type.instance === 'Encrypted') encrypted.push(path.split('.'));
    });
    check = (doc) => {
      for (const field of Object.keys(doc))
        if (doc[field] !== undefined && model.schema.pathType(field) === 'adhocOrUndefined')
          throw new Error(`${model.modelName}: field ${field} is not in the schema`);
      for (const path of encrypted)
        for (const value of valuesAt(doc, path))
          if (value !== undefined && !isCiphertext(value))
            throw new Error(
              `${model.modelName}: unencrypted data in encrypted field ${path.join('.')}`,
            );
    };
    personalChecks.set(model, check);
  }
  return check;
}

/** The values at a schema path in a raw document (`$*` is every value of a map). */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [value];
  if (value === null || typeof value !== 'object') return [];
  const [key, ...rest] = path;
  const children =
    key === '$*'
      ? Object.values(value as Record<string, unknown>)
      : [(value as Record<string, unknown>)[key!]];
  return children.flatMap((child) => valuesAt(child, rest));
}

/** Throws unless `doc` casts to the model's schema without losing a field. */
function checkAgainstSchema(model: AnyModel, doc: Record<string, unknown>): void {
  const cast = model.castObject(doc) as Record<string, unknown>;
  for (const field of Object.keys(doc))
    if (doc[field] !== undefined && !(field in cast))
      throw new Error(`${model.modelName}: field ${field} is not in the schema`);
}
