import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, displayPrefix, generateApiKey, hashApiKey, hasValidChecksum } from '../../src/organizations/api-key.token.js';

describe('API key tokens', () => {
  it('are prefixed, of a fixed shape, and unique', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(API_KEY_PATTERN);
  });

  it('carry a checksum that catches typos', () => {
    const key = generateApiKey();
    expect(hasValidChecksum(key)).toBe(true);
    const body = key.slice(4);
    for (let i = 0; i < body.length; i++) {
      const replacement = body[i] === 'a' ? 'b' : 'a';
      const typo = `xpk_${body.slice(0, i)}${replacement}${body.slice(i + 1)}`;
      expect(hasValidChecksum(typo), typo).toBe(false);
    }
    expect(hasValidChecksum(key.slice(0, -1))).toBe(false);
  });

  it('leave keys of other shapes (an operator-chosen ROOT_API_KEY) to the look-up', () => {
    expect(hasValidChecksum('an-operator-chosen-root-key-of-32-chars')).toBe(true);
  });

  it('are stored as SHA-256 and listed by a short prefix only', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toHaveLength(32);
    expect(hashApiKey(key).equals(hashApiKey(key))).toBe(true);
    expect(displayPrefix(key)).toBe(key.slice(0, 10));
    expect(displayPrefix('operator-key-xxxxxxxxxxxxxxxxxxxxxxxxx')).toBe('operat');
  });
});
