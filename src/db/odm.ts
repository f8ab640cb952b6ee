/**
 * Mongoose on top of the process's one MongoClient: models validate documents and own
 * indexes, while the shared client (with its decrypting auto-encryption settings) does all
 * I/O. `useDb` with the cache gives each tenant database its own models without a new pool.
 */
import mongoose, { type Connection } from 'mongoose';
import type { MongoClient } from 'mongodb';

/** Wraps the shared client in a mongoose connection. */
export function createOdm(client: MongoClient): Connection {
  return mongoose.createConnection().setClient(client);
}
