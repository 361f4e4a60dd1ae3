import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeEncryptionKey, IN_MEMORY, type Settings } from './settings.js';

/** Settings once everything optional has been decided: the database to use and the key to encrypt with. */
export interface RuntimeSettings extends Settings {
  databaseUrl: string;
  encryptionKey: Buffer;
  /** True when the database is the embedded PostgreSQL server started by this process. */
  embedded: boolean;
  /** Random, one per application instance (names its API-key strategy; unique across instances). */
  instanceId: string;
}

export const SETTINGS = Symbol('SETTINGS');

/**
 * On the embedded database without ENCRYPTION_KEY, a key is generated once into DATA_DIR and reused
 * on every later start, so that encrypted data survives a restart. Returns whether it was generated now.
 */
export function embeddedEncryptionKey(dataDir: string): { key: Buffer; generated: boolean; path?: string } {
  if (dataDir === IN_MEMORY) return { key: randomBytes(32), generated: true };
  const dir = resolve(dataDir);
  const path = join(dir, 'encryption.key');
  if (existsSync(path)) {
    return { key: decodeEncryptionKey(path, readFileSync(path, 'utf8').trim()), generated: false, path };
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: true, path };
}
