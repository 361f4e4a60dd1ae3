import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** docs/security.md, "Smaller protections": a cursor past the id range is the caller's mistake, not ours. */
describe('a cursor with an id past 2³¹ − 1', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
  });
  afterAll(() => app?.close());

  it.each(['/api/v1/orders', '/api/v1/organizations'])('%s answers 400 naming cursor, and logs no SQL', async (path) => {
    const cursor = Buffer.from('v1:9999999999').toString('base64url');
    const response = await app.request('GET', `${path}?cursor=${cursor}`, { key: ROOT_KEY });
    expect(response.status, response.text).toBe(400);
    expect(response.body.message).toMatch(/^cursor is not valid/);
    expect(response.body.details).toEqual([{ field: 'cursor', message: expect.stringContaining('cursor') }]);
    const logs = app.logs();
    expect(logs).not.toMatch(/SELECT|QueryFailedError|9999999999/);
    // The largest id a cursor can hold is still served.
    const largest = await app.request('GET', `${path}?cursor=${Buffer.from(`v1:${2 ** 31 - 1}`).toString('base64url')}`, { key: ROOT_KEY });
    expect(largest.status, largest.text).toBe(200);
  });
});
