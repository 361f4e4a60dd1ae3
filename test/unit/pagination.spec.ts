import { HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/common/http/pagination.js';

describe('cursors', () => {
  it('round-trip an id and are opaque', () => {
    const cursor = encodeCursor(12345);
    expect(cursor).not.toContain('12345');
    expect(decodeCursor(cursor)).toBe(12345);
  });

  it('accept the largest id', () => {
    expect(decodeCursor(encodeCursor(2 ** 31 - 1))).toBe(2 ** 31 - 1);
  });

  it.each(['', 'abc', Buffer.from('v1:').toString('base64url'), Buffer.from('v2:5').toString('base64url'), Buffer.from('v1:12345678901').toString('base64url'), Buffer.from('v1:2147483648').toString('base64url'), Buffer.from('v1:9999999999').toString('base64url')])(
    'refuse %j with a 400',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(HttpException);
      try {
        decodeCursor(cursor);
      } catch (error) {
        expect((error as HttpException).getStatus()).toBe(400);
        expect((error as HttpException).getResponse()).toMatchObject({ details: [{ field: 'cursor' }] });
      }
    },
  );
});
