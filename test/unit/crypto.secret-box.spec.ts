import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, SecretBox, SecretBoxError } from '../../src/common/crypto/secret-box.js';

const SEALED = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/;

function parts(sealed: string): string[] {
  return sealed.split('.');
}

/** Flips one bit of the decoded part `index` and re-encodes it. */
function flip(sealed: string, index: 2 | 3, byte = 0): string {
  const p = parts(sealed);
  const bytes = Buffer.from(p[index], 'base64url');
  bytes[byte] ^= 0x01;
  p[index] = bytes.toString('base64url');
  return p.join('.');
}

function thrown(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error('expected a SecretBoxError');
}

describe('SecretBox', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const secret = `canary-${randomBytes(8).toString('hex')}`;

  it('round-trips values, including empty and non-ASCII ones', () => {
    const box = new SecretBox(keyA, []);
    for (const value of [secret, '', 'ünïcødé ☎ 📞', 'x'.repeat(4096)]) {
      const sealed = box.seal(value, 'credential:7:numbers.apiKey');
      expect(sealed).toMatch(SEALED);
      expect(sealed).not.toContain(value || '\u0000');
      expect(box.open(sealed, 'credential:7:numbers.apiKey')).toBe(value);
    }
  });

  it('stores the key id (first 8 hex chars of SHA-256 of the key) and a fresh nonce per value', () => {
    const box = new SecretBox(keyA, []);
    const one = box.seal(secret, 'aad');
    const two = box.seal(secret, 'aad');
    expect(parts(one)[1]).toBe(keyId(keyA));
    expect(box.currentKeyId).toBe(keyId(keyA));
    expect(parts(one)[2]).not.toBe(parts(two)[2]);
    expect(parts(one)[3]).not.toBe(parts(two)[3]);
    expect(Buffer.from(parts(one)[2], 'base64url')).toHaveLength(12);
  });

  it('binds the AAD: a value does not open under another organization or key name', () => {
    const box = new SecretBox(keyA, []);
    const sealed = box.seal(secret, 'credential:7:numbers.apiKey');
    expect(thrown(() => box.open(sealed, 'credential:8:numbers.apiKey')).message).toMatch(/failed authentication/);
    expect(() => box.open(sealed, 'credential:7:numbers.url')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'tenant-token:7')).toThrow(SecretBoxError);
  });

  it('detects tampering with the ciphertext, the tag, the nonce or the format', () => {
    const box = new SecretBox(keyA, []);
    const sealed = box.seal(secret, 'aad');
    const tagStart = Buffer.from(parts(sealed)[3], 'base64url').length - 16;
    expect(() => box.open(flip(sealed, 3, 0), 'aad')).toThrow(/failed authentication/);
    expect(() => box.open(flip(sealed, 3, tagStart + 3), 'aad')).toThrow(/failed authentication/);
    expect(() => box.open(flip(sealed, 2, 5), 'aad')).toThrow(/failed authentication/);
    // Truncated tag, missing parts, another version, garbage.
    const short = parts(sealed);
    short[3] = Buffer.from(short[3], 'base64url').subarray(0, 10).toString('base64url');
    expect(() => box.open(short.join('.'), 'aad')).toThrow(/malformed/);
    expect(() => box.open(sealed.replace(/^v1\./, 'v2.'), 'aad')).toThrow(/malformed/);
    expect(() => box.open(parts(sealed).slice(0, 3).join('.'), 'aad')).toThrow(/malformed/);
    expect(() => box.open('', 'aad')).toThrow(/malformed/);
    expect(() => box.open(`${sealed}x!`, 'aad')).toThrow(/malformed/);
  });

  it('refuses an unknown key id, naming it but nothing secret', () => {
    const sealedUnderB = new SecretBox(keyB, []).seal(secret, 'aad');
    const error = thrown(() => new SecretBox(keyA, []).open(sealedUnderB, 'aad'));
    expect(error.message).toContain(keyId(keyB));
    expect(error.message).toMatch(/ENCRYPTION_KEYS_PREVIOUS/);
    // A sealed value relabelled with the current key id fails authentication instead.
    const relabelled = sealedUnderB.replace(keyId(keyB), keyId(keyA));
    expect(() => new SecretBox(keyA, []).open(relabelled, 'aad')).toThrow(/failed authentication/);
  });

  it('never puts the plaintext, the AAD or the sealed value into an error message', () => {
    const box = new SecretBox(keyA, []);
    const sealed = box.seal(secret, `credential:1:${secret}`);
    for (const attempt of [
      () => box.open(sealed, 'credential:2:x'),
      () => box.open(flip(sealed, 3), `credential:1:${secret}`),
      () => new SecretBox(keyB).open(sealed, `credential:1:${secret}`),
      () => box.open(`${secret}.${secret}`, secret),
    ]) {
      const error = thrown(attempt);
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain(parts(sealed)[3]);
      expect(String(error.stack)).not.toContain(secret);
    }
  });

  it('rotation: previous keys still open, needsRewrap says which values to re-seal, rewrap moves them', () => {
    const old = new SecretBox(keyA, []);
    const sealedA = old.seal(secret, 'aad');
    const rotated = new SecretBox(keyB, [keyA]);
    expect(rotated.open(sealedA, 'aad')).toBe(secret);
    expect(rotated.needsRewrap(sealedA)).toBe(true);
    const sealedB = rotated.rewrap(sealedA, 'aad');
    expect(parts(sealedB)[1]).toBe(keyId(keyB));
    expect(rotated.needsRewrap(sealedB)).toBe(false);
    expect(new SecretBox(keyB, []).open(sealedB, 'aad')).toBe(secret);
    expect(() => rotated.rewrap(sealedA, 'other')).toThrow(SecretBoxError);
    expect(() => rotated.needsRewrap('nonsense')).toThrow(/malformed/);
    // Values sealed after rotation use the new key only.
    expect(() => old.open(rotated.seal(secret, 'aad'), 'aad')).toThrow(/key id/);
  });

  it('accepts only 32-byte keys, and a previous key equal to the current one', () => {
    expect(() => new SecretBox(randomBytes(16), [])).toThrow(/32 bytes/);
    expect(() => new SecretBox(keyA, [randomBytes(31)])).toThrow(/32 bytes/);
    const box = new SecretBox(keyA, [Buffer.from(keyA)]);
    expect(box.open(box.seal(secret, 'a'), 'a')).toBe(secret);
  });
});
