import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveLogFormat } from '../../src/common/logging/logger.js';
import { announceStart, describeDatabase, noteRootOrganization } from '../../src/common/logging/startup-banner.js';
import type { RuntimeSettings } from '../../src/config/runtime-settings.js';
import { loadSettings } from '../../src/config/settings.js';
import { publicUrl } from '../../src/openapi.js';

function runtime(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return { ...loadSettings({}), databaseUrl: 'postgres://app:s3cret@db.internal:5432/xps', embedded: false, encryptionKey: Buffer.alloc(32), instanceId: 'i', ...overrides } as RuntimeSettings;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('start-up banner', () => {
  it('pretty: service, API docs, admin page and database; the root key and a next command on the first start only', () => {
    const settings = runtime();
    noteRootOrganization(settings, { id: 1, name: 'root' }, 'xpk_generatedkey');
    const first = capture();
    announceStart(settings, 'pretty', 'http://localhost:3000', '/admin', pino({ level: 'silent' }), first.stream);
    expect(first.text()).toContain('Service     http://localhost:3000');
    expect(first.text()).toContain('API docs    http://localhost:3000/api/docs');
    expect(first.text()).toContain('Admin page  http://localhost:3000/admin/');
    expect(first.text()).toContain('Database    PostgreSQL db.internal:5432/xps');
    expect(first.text()).not.toContain('s3cret');
    expect(first.text()).toContain('xpk_generatedkey');
    expect(first.text()).toContain('npm run -s xprov -- test');

    const again = capture();
    noteRootOrganization(settings, { id: 1, name: 'root' });
    announceStart(settings, 'pretty', 'http://localhost:3000', '/admin', pino({ level: 'silent' }), again.stream);
    expect(again.text()).toContain('Service');
    expect(again.text()).not.toContain('Root API key');
  });

  it('json: one log line with the same fields, nothing else on stdout', () => {
    const settings = runtime({ embedded: true, dataDir: './data' });
    noteRootOrganization(settings, { id: 1, name: 'root' }, 'xpk_generatedkey');
    const logs = capture();
    const out = capture();
    announceStart(settings, 'json', 'https://provisioning.example.com', '/admin', pino({ base: undefined }, logs.stream), out.stream);
    expect(out.text()).toBe('');
    const line = JSON.parse(logs.text().trim());
    expect(line).toMatchObject({
      url: 'https://provisioning.example.com',
      apiDocs: 'https://provisioning.example.com/api/docs',
      database: 'embedded PostgreSQL in ./data',
      rootApiKey: 'xpk_generatedkey',
    });
  });

  it('log format: LOG_FORMAT wins; else pretty on a terminal; a given destination is always JSON', () => {
    expect(resolveLogFormat('json')).toBe('json');
    expect(resolveLogFormat('pretty')).toBe('pretty');
    expect(resolveLogFormat('pretty', new PassThrough())).toBe('json');
    expect(resolveLogFormat(undefined)).toBe(process.stdout.isTTY ? 'pretty' : 'json');
  });

  it('public URL: PUBLIC_URL without a trailing slash, else the listening address', () => {
    expect(publicUrl(loadSettings({ PUBLIC_URL: 'https://x.example.com/' }))).toBe('https://x.example.com');
    expect(publicUrl(loadSettings({ PORT: '8080' }))).toBe('http://localhost:8080');
    expect(publicUrl(loadSettings({ HOST: '10.0.0.5', PORT: '8080' }))).toBe('http://10.0.0.5:8080');
    expect(() => loadSettings({ PUBLIC_URL: 'ftp://x' })).toThrow(/PUBLIC_URL/);
    expect(() => loadSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
    expect(describeDatabase({ embedded: true, dataDir: 'memory', databaseUrl: '' })).toBe('embedded PostgreSQL, in memory');
  });
});
