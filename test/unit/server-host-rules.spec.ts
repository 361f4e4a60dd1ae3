import { describe, expect, it } from 'vitest';
import { checkServerHostList, hostAllowedBy, normalizeServerHostEntry, serverHostOf } from '../../src/organizations/server-host.rules.js';

describe('allowedServerHosts entries', () => {
  it.each([
    ['pbx.example.com', 'pbx.example.com'],
    ['PBX.Example.COM', 'pbx.example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.ch', 'xn--bcher-kva.ch'],
    ['*.example.net', '*.example.net'],
    ['*.Example.NET', '*.example.net'],
    ['127.0.0.1', '127.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['[::1]', '::1'],
  ])('accepts %j as %j', (entry, stored) => {
    expect(normalizeServerHostEntry(entry)).toBe(stored);
  });

  it.each([
    '',
    ' pbx.example.com',
    'pbx.example.com ',
    '*',
    '*.com',
    '*example.com',
    'a.*.example.com',
    '**.example.com',
    '*.*.example.com',
    'https://pbx.example.com',
    'pbx.example.com:443',
    'pbx.example.com/path',
    'pbx.example.com.',
    '.example.com',
    'pbx..example.com',
    '-pbx.example.com',
    'pbx_1.example.com',
    'bücher.ch',
    '1.2.3',
    '0x7f.0.0.1',
    '127.1',
    '*.0.0.1',
    '256.1.1.1',
    '::1::2',
    '[127.0.0.1]',
    `${'a'.repeat(64)}.example.com`,
    `${'a.'.repeat(127)}com`,
    'user@pbx.example.com',
  ])('refuses %j', (entry) => {
    expect(normalizeServerHostEntry(entry)).toBeUndefined();
  });

  it('names the first bad entry by index, keeps duplicates once and bounds the list', () => {
    expect(checkServerHostList(['a.example.com', 'A.example.com', '*.b.example'])).toEqual({ ok: true, hosts: ['a.example.com', '*.b.example'] });
    const bad = checkServerHostList(['a.example.com', 'not a host']);
    expect(bad).toMatchObject({ ok: false, index: 1 });
    expect(bad.ok ? '' : bad.message).toMatch(/^allowedServerHosts\[1\] "not a host" is not acceptable/);
    const long = checkServerHostList(Array.from({ length: 101 }, (_, i) => `h${i}.example.com`));
    expect(long.ok ? '' : long.message).toBe('allowedServerHosts has 101 entries, at most 100 are allowed');
  });
});

describe('matching an order server', () => {
  it('reads the host of a server URL as the lists store it', () => {
    expect(serverHostOf('https://PBX.example.com.:8443/x')).toBe('pbx.example.com');
    expect(serverHostOf('http://[0:0:0:0:0:0:0:1]:8080')).toBe('::1');
    expect(serverHostOf('http://0x7f.1')).toBe('127.0.0.1');
  });

  it('matches exact hosts, IPs and suffix patterns, and nothing else', () => {
    const list = ['pbx.example.com', '*.example.net', '127.0.0.1', '::1'];
    for (const host of ['pbx.example.com', 'a.example.net', 'a.b.example.net', '127.0.0.1', '::1']) expect(hostAllowedBy(host, list), host).toBe(true);
    for (const host of ['example.net', 'evilexample.net', 'example.net.evil.com', 'pbx.example.com.evil.com', 'x.pbx.example.com', '127.0.0.2', '::2', '::ffff:7f00:1']) {
      expect(hostAllowedBy(host, list), host).toBe(false);
    }
    expect(hostAllowedBy('anything.example.com', [])).toBe(false);
    // A pattern never matches an IP address, whatever its digits.
    expect(hostAllowedBy('10.0.0.1', ['*.0.0.1'])).toBe(false);
  });
});
