import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption for the secrets the service keeps (organization credentials, tenant
 * tokens, webhook secrets): AES-256-GCM, a fresh random 12-byte nonce per value, and the caller's
 * context bound in as additional authenticated data (AAD).
 *
 * A sealed value is one ASCII string, safe to store in a text column:
 *
 *     v1.<kid>.<nonce, base64url>.<ciphertext followed by the 16-byte tag, base64url>
 *
 * `kid` is the first 8 hex characters of SHA-256(key): it says which key sealed the value, so that
 * ENCRYPTION_KEY can be rotated — values sealed under a key in ENCRYPTION_KEYS_PREVIOUS still open,
 * and `needsRewrap` tells the rewrap command which ones to re-seal under the current key.
 *
 * The AAD names what the value is and whose it is (`credential:<orgId>:<key>`,
 * `tenant-token:<orderId>`, `webhook-secret:<orgId>`): a sealed value copied into another row does
 * not open there. The AAD is not stored; the caller derives it from the row each time.
 *
 * Error messages never contain the plaintext, the AAD or the sealed value.
 */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^[0-9a-f]{8}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The key id stored with every value sealed under `key`: the first 8 hex characters of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

interface Parsed {
  kid: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parse(sealed: string): Parsed {
  if (typeof sealed !== 'string') throw new SecretBoxError('sealed value is not a string');
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !KID.test(parts[1]) || !BASE64URL.test(parts[2]) || !BASE64URL.test(parts[3])) {
    throw new SecretBoxError(`sealed value is malformed (expected ${VERSION}.<kid>.<nonce>.<ciphertext>)`);
  }
  const nonce = Buffer.from(parts[2], 'base64url');
  const body = Buffer.from(parts[3], 'base64url');
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw new SecretBoxError('sealed value is malformed (wrong nonce or tag length)');
  }
  return {
    kid: parts[1],
    nonce,
    ciphertext: body.subarray(0, body.length - TAG_BYTES),
    tag: body.subarray(body.length - TAG_BYTES),
  };
}

export class SecretBox {
  /** The key id of the current key: new values are sealed under it. */
  readonly currentKeyId: string;
  private readonly keys = new Map<string, Buffer>();

  /**
   * @param currentKey    ENCRYPTION_KEY (32 bytes): seals, and opens what it sealed.
   * @param previousKeys  ENCRYPTION_KEYS_PREVIOUS (32 bytes each): only open.
   */
  constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
    for (const key of [currentKey, ...previousKeys]) {
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new SecretBoxError(`encryption keys must be ${KEY_BYTES} bytes`);
      }
      const kid = keyId(key);
      const known = this.keys.get(kid);
      if (known && !known.equals(key)) {
        // 1 in 2^32 for two random keys; refuse rather than guess which one a value was sealed under.
        throw new SecretBoxError(`two different encryption keys share key id ${kid}; generate a new key`);
      }
      this.keys.set(kid, Buffer.from(key));
    }
    this.currentKeyId = keyId(currentKey);
  }

  /** Encrypts `plaintext` under the current key with a fresh nonce, bound to `aad`. */
  seal(plaintext: string, aad: string): string {
    if (typeof plaintext !== 'string') throw new SecretBoxError('only strings can be sealed');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${this.currentKeyId}.${nonce.toString('base64url')}.${ciphertext.toString('base64url')}`;
  }

  /**
   * Decrypts a value sealed (under the current or a previous key) with the same `aad`. Throws
   * SecretBoxError when the value is malformed, its key is not known, or authentication fails
   * (tampered, or copied from another row so that the AAD differs).
   */
  open(sealed: string, aad: string): string {
    const { kid, nonce, ciphertext, tag } = parse(sealed);
    const key = this.keys.get(kid);
    if (!key) {
      throw new SecretBoxError(
        `sealed value uses encryption key id ${kid}, which is neither ENCRYPTION_KEY (${this.currentKeyId}) nor in ENCRYPTION_KEYS_PREVIOUS`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed value failed authentication: it was altered, or belongs to another record');
    }
  }

  /** True when `sealed` was sealed under another key than the current one. Throws on a malformed value. */
  needsRewrap(sealed: string): boolean {
    return parse(sealed).kid !== this.currentKeyId;
  }

  /** Opens and seals again under the current key (same AAD). */
  rewrap(sealed: string, aad: string): string {
    return this.seal(this.open(sealed, aad), aad);
  }
}
