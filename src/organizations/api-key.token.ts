import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key format: `xpk_` + 36 random base62 characters (214 bits) + a 6-character base62 CRC-32 of
 * them. The prefix and checksum let secret scanners recognise a key and reject typos without a
 * database look-up, as GitHub's tokens do.
 */
export const API_KEY_PREFIX = 'xpk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 36;
const CHECKSUM_LENGTH = 6;
export const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body), CHECKSUM_LENGTH);
}

export function generateApiKey(): string {
  let body = '';
  // Rejection sampling keeps every character uniformly distributed.
  while (body.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(RANDOM_LENGTH)) {
      if (byte < 248 && body.length < RANDOM_LENGTH) body += ALPHABET[byte % 62];
    }
  }
  return `${API_KEY_PREFIX}${body}${checksum(body)}`;
}

/**
 * False for a string that claims to be one of our keys but whose checksum is wrong. Keys that do not
 * claim our format (a ROOT_API_KEY given by the operator) are left to the look-up.
 */
export function hasValidChecksum(key: string): boolean {
  if (!key.startsWith(API_KEY_PREFIX)) return true;
  if (!API_KEY_PATTERN.test(key)) return false;
  const body = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_LENGTH);
  return checksum(body) === key.slice(-CHECKSUM_LENGTH);
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** What lists show of a key: enough to tell keys apart, far too little to use. */
export function displayPrefix(key: string): string {
  return key.slice(0, key.startsWith(API_KEY_PREFIX) ? API_KEY_PREFIX.length + 6 : 6);
}
