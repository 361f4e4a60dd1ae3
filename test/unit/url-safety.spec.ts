import { describe, expect, it } from 'vitest';
import { assertSafeUrl, checkUrlSyntax, internalAddressKind, UnsafeUrlError } from '../../src/common/http/url-safety.js';

describe('checkUrlSyntax', () => {
  it('accepts http and https URLs', () => {
    expect(checkUrlSyntax('https://xelion.example.com').hostname).toBe('xelion.example.com');
    expect(checkUrlSyntax('http://10.0.0.1:8080/path?q=1').port).toBe('8080');
  });

  it.each([
    ['', 'empty'],
    ['not a url', 'white space'],
    ['xelion.example.com', 'not a valid URL'],
    ['ftp://example.com', 'scheme "ftp" is not http or https'],
    ['javascript:alert(1)', 'scheme "javascript"'],
    ['file:///etc/passwd', 'scheme "file"'],
    ['https://user:secret@example.com', 'credentials'],
    ['https://user@example.com', 'credentials'],
    ['https://example.com/#top', 'fragment'],
    ['https://example.com#', 'fragment'],
    [`https://example.com/${'a'.repeat(3000)}`, 'longer than'],
  ])('refuses %j (%s)', (url, problem) => {
    let error: unknown;
    try {
      checkUrlSyntax(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as Error).message).toContain(problem);
  });

  it('never repeats credentials in the message', () => {
    expect(() => checkUrlSyntax('https://admin:hunter2@example.com')).toThrow(/^(?!.*hunter2).*$/);
  });
});

describe('internalAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.7', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['[::1]', 'loopback'],
    ['example.com', 'invalid'],
  ])('%s is internal (%s)', (address, kind) => {
    expect(internalAddressKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(internalAddressKind(address)).toBeNull();
    },
  );
});

describe('assertSafeUrl', () => {
  it('refuses address literals of internal ranges without resolving', async () => {
    await expect(assertSafeUrl('http://127.0.0.1:8080', false)).rejects.toThrow(/127\.0\.0\.1 is an internal address \(loopback\)/);
    await expect(assertSafeUrl('http://[::1]/', false)).rejects.toThrow(/internal address \(loopback\)/);
    await expect(assertSafeUrl('http://[::ffff:169.254.169.254]/', false)).rejects.toThrow(/linkLocal/);
  });

  it('refuses a host name that resolves to an internal address, naming the host', async () => {
    const error = await assertSafeUrl('http://localhost:3000', false).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as UnsafeUrlError).reason).toBe('internal-address');
    expect((error as Error).message).toMatch(/^the host localhost is not allowed: it does not resolve to public addresses only; outbound requests to internal addresses are refused/);
    // Not where it points: that would let a caller map internal names.
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1|::1|loopback/);
  });

  it('allows internal addresses with allowPrivate, still checking the syntax', async () => {
    expect((await assertSafeUrl('http://localhost:3000', true)).port).toBe('3000');
    await expect(assertSafeUrl('ftp://localhost', true)).rejects.toBeInstanceOf(UnsafeUrlError);
  });

  it('accepts a public address literal', async () => {
    expect((await assertSafeUrl('https://8.8.8.8/x', false)).hostname).toBe('8.8.8.8');
  });

  it('refuses a host that does not resolve', async () => {
    const error = await assertSafeUrl('https://no-such-host.invalid', false).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as UnsafeUrlError).reason).toBe('unresolvable');
  });
});
