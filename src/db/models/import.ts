/**
 * A contact import: its progress (read live by `GET /api/v1/imports/:id`) and the rejected
 * rows by line number. The uploaded file itself is kept only as encrypted chunks
 * (`import_chunks`) until the import finishes.
 */
import { Encrypted } from '../encrypted-field';
import { Schema, type Connection } from 'mongoose';
import type { Binary } from 'mongodb';

/** Most rejected rows kept with their reason; the count goes on beyond it. */
export const MAX_REJECTED_KEPT = 1000;

/** An import document. */
export interface ImportDocument {
  _id: string;
  listId: string;
  format: 'csv' | 'ndjson';
  consent: 'existing' | 'double-opt-in';
  status: 'uploading' | 'running' | 'completed' | 'failed';
  bytes: number;
  chunks: number;
  total: number;
  imported: number;
  rejectedCount: number;
  rejected: { line: number; reason: string }[];
  workflowId?: string;
  failure?: string;
  /** Milliseconds per stage once finished (read, encrypt, write, waitForWrite, total). */
  timings?: Record<string, number>;
  createdAt: Date;
  completedAt?: Date;
}

/** One encrypted chunk of an uploaded file. */
export interface ImportChunkDocument {
  _id: string;
  importId: string;
  n: number;
  data: Binary | Buffer;
}

const importSchema = new Schema<ImportDocument>(
  {
    _id: { type: String, required: true },
    listId: { type: String, required: true },
    format: { type: String, enum: ['csv', 'ndjson'], required: true },
    consent: { type: String, enum: ['existing', 'double-opt-in'], required: true },
    status: { type: String, enum: ['uploading', 'running', 'completed', 'failed'], required: true },
    bytes: { type: Number, required: true },
    chunks: { type: Number, required: true },
    total: { type: Number, required: true },
    imported: { type: Number, required: true },
    rejectedCount: { type: Number, required: true },
    rejected: { type: [{ _id: false, line: Number, reason: String }], required: true },
    workflowId: { type: String },
    failure: { type: String },
    timings: { type: Map, of: Number },
    createdAt: { type: Date, required: true },
    completedAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

const importChunkSchema = new Schema<ImportChunkDocument>(
  {
    _id: { type: String, required: true },
    importId: { type: String, required: true },
    n: { type: Number, required: true },
    data: { type: Encrypted, required: true },
  },
  { strict: 'throw', versionKey: false },
);
importChunkSchema.index({ importId: 1, n: 1 });

/** The imports model on a tenant database. */
export const importModel = (tenantDb: Connection) =>
  tenantDb.model('Import', importSchema, 'imports');

/** The import chunks model on a tenant database. */
export const importChunkModel = (tenantDb: Connection) =>
  tenantDb.model('ImportChunk', importChunkSchema, 'import_chunks');
