import { describe, expect, it } from 'vitest';
import type { OutboundHttp, OutboundRequest, OutboundResponse } from '../../src/common/http/outbound-request.js';
import { createSafeAgents } from '../../src/common/http/url-safety.js';
import { Semaphore } from '../../src/xelion/tenant.semaphore.js';
import { isRepeatable, lineRef, XelionPatch } from '../../src/xelion/xelion-patch.builder.js';
import { generatePassword, normalizeMac, XelionTenantClient } from '../../src/xelion/xelion-tenant.client.js';
import { XelionAuthError, XelionNotFoundError, XelionPermanentError, XelionRetryableError } from '../../src/xelion/xelion.errors.js';

describe('XelionPatch', () => {
  it('numbers added relations with vids that later operations use', () => {
    const patch = new XelionPatch();
    patch.replace('/commonName', 'Sales');
    const user = patch.addLineUser('u1', { incoming: true, outgoing: false });
    const ext = patch.addExtension('201');
    patch.setLineUserDirections('r9', { outgoing: true });
    const num = patch.addAssignedNumber('+31152000001', 'l1');
    patch.setAssignedNumberLine('a7', 'l2');
    const job = patch.addEmployment('o1');
    expect([user, ext, num, job]).toEqual([1, 2, 3, 4]);
    expect(patch.build()).toEqual({
      operations: [
        { op: 'replace', path: '/commonName', value: 'Sales' },
        { op: 'add', path: '/users/1', value: 'u1' },
        { op: 'replace', path: '/users/1/incoming', value: true },
        { op: 'replace', path: '/users/1/outgoing', value: false },
        { op: 'add', path: '/extensions/2', value: '201' },
        { op: 'replace', path: '/users/r9/outgoing', value: true },
        { op: 'add', path: '/assignedNumbers/3', value: '+31152000001' },
        { op: 'replace', path: '/assignedNumbers/3/line', value: { oid: 'l1', objectType: 'XCCPhoneLine' } },
        { op: 'replace', path: '/assignedNumbers/a7/line', value: { oid: 'l2', objectType: 'XCCPhoneLine' } },
        { op: 'add', path: '/employments/4', value: 'o1' },
      ],
    });
    expect(patch.isRepeatable).toBe(false);
  });

  it('tells documents that may be repeated (only replace) from those that may not', () => {
    expect(new XelionPatch().replace('/a', 1).replace('/b', lineRef('x')).isRepeatable).toBe(true);
    expect(isRepeatable([{ op: 'remove', path: '/extensions/1' }])).toBe(false);
    expect(isRepeatable([{ op: 'add', path: '/phones/1', value: '1050' }])).toBe(false);
  });

  it('refuses malformed paths', () => {
    expect(() => new XelionPatch().replace('commonName', 'x')).toThrow(/invalid PATCH path/);
    expect(() => new XelionPatch().replace('/users//incoming', true)).toThrow(/invalid PATCH path/);
  });

  it('hands out copies of its operations', () => {
    const patch = new XelionPatch().replace('/a', 1);
    patch.operations[0].path = '/changed';
    expect(patch.operations[0].path).toBe('/a');
  });
});

describe('helpers', () => {
  it('normalizes MAC addresses', () => {
    expect(normalizeMac('80-5e-c0-12-34-56')).toBe('80:5E:C0:12:34:56');
    expect(normalizeMac('805ec0123456')).toBe('80:5E:C0:12:34:56');
    expect(() => normalizeMac('80:5E:C0:12:34')).toThrow(XelionPermanentError);
  });

  it('generates strong, different passwords', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generatePassword()));
    expect(passwords.size).toBe(200);
    for (const password of passwords) {
      expect(password).toHaveLength(24);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/\d/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
    }
  });

  it('semaphore: never more than the limit, FIFO hand-over', async () => {
    const semaphore = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await semaphore.acquire();
        active += 1;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active -= 1;
        release();
        release(); // twice is harmless
      }),
    );
    expect(peak).toBe(2);
    expect(semaphore.peak).toBe(2);
    expect(semaphore.inUse).toBe(0);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

/** Error mapping of one client, over a stubbed transport (unit test of the class). */
describe('XelionTenantClient error mapping', () => {
  type Answer = { status: number; data?: unknown; headers?: OutboundResponse['headers'] } | Error;
  function clientWith(answers: Answer[]) {
    const requests: OutboundRequest[] = [];
    const http: OutboundHttp = {
      request: async (request) => {
        requests.push(request);
        const answer = answers.shift();
        if (answer === undefined) throw new Error('no more answers');
        if (answer instanceof Error) throw answer;
        const { data } = answer;
        return { status: answer.status, headers: answer.headers ?? {}, body: data === undefined ? '' : typeof data === 'string' ? data : JSON.stringify(data) };
      },
    };
    const client = new XelionTenantClient(
      http,
      {
        serverUrl: 'https://xelion.example.com',
        tenant: 'acme',
        timeoutMs: 1000,
        retryPolicy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 10 },
        agents: createSafeAgents(true),
        semaphore: new Semaphore(4),
        sleep: async () => {},
      },
      'tok-123',
    );
    return { client, requests };
  }
  const body = (status: number, errorCode: number, message = 'msg') => ({ status, data: { errorCode, message, info: 'resource=GET /x' } });
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it('speaks the dialect: base URL, Authorization header, paging parameters', async () => {
    const { client, requests } = clientWith([{ status: 200, data: { data: [], meta: { paging: {} } } }]);
    await client.listTrunks();
    const url = requests[0].url;
    expect(`${url.origin}${url.pathname}`).toBe('https://xelion.example.com/api/v1/acme/trunks');
    expect(requests[0].headers).toMatchObject({ authorization: 'xelion tok-123' });
    expect(Object.fromEntries(url.searchParams)).toEqual({ include: 'assignedNumbers,defaultCallerNr', limit: '100' });
    expect(requests[0].deadlineMs).toBe(1000);
  });

  it('401 → XelionAuthError, not retried', async () => {
    const { client, requests } = clientWith([body(401, 10021)]);
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XelionAuthError);
    expect((error as Error).message).toBe('the tenant token was rejected');
    expect(requests).toHaveLength(1);
  });

  it('404 → XelionNotFoundError; 400 and 403 → XelionPermanentError keeping code and message', async () => {
    const { client } = clientWith([body(404, 10100), body(400, 10203, 'name is required'), body(403, 10101, 'no licence')]);
    expect(await client.getPhoneLine('1').catch((e: unknown) => e)).toBeInstanceOf(XelionNotFoundError);
    const bad = (await client.createOrganisation({ name: '' }).catch((e: unknown) => e)) as XelionPermanentError;
    expect(bad).toBeInstanceOf(XelionPermanentError);
    expect([bad.status, bad.errorCode]).toEqual([400, 10203]);
    expect(bad.message).toContain('name is required');
    const denied = (await client.listTrunks().catch((e: unknown) => e)) as XelionPermanentError;
    expect([denied.constructor, denied.errorCode]).toEqual([XelionPermanentError, 10101]);
    expect(denied.message).toContain('licence');
  });

  it('reads: 500s and connection errors are retried up to maxAttempts, then XelionRetryableError', async () => {
    const ok = clientWith([body(500, 11000), errno('ECONNRESET'), { status: 200, data: { object: { userName: 'x' } } }]);
    expect((await ok.client.me()).userName).toBe('x');
    expect(ok.client.stats).toEqual({ calls: 3, retries: 2 });
    const failing = clientWith([body(503, 0), body(503, 0), body(503, 0)]);
    const error = (await failing.client.me().catch((e: unknown) => e)) as XelionRetryableError;
    expect(error).toBeInstanceOf(XelionRetryableError);
    expect(error.outcomeUnknown).toBe(false);
    expect(failing.requests).toHaveLength(3);
  });

  it('creates: a 500 or a reset connection is not repeated (outcomeUnknown); 429 and a refused connection are', async () => {
    const dup = clientWith([body(500, 11000)]);
    const error = (await dup.client.createTrunk({ providerName: 'p', host: 'h', account: 'a', password: 'pw', transportType: 'UDP' }).catch((e: unknown) => e)) as XelionRetryableError;
    expect(error.outcomeUnknown).toBe(true);
    expect(error.errorCode).toBe(11000);
    expect(dup.requests).toHaveLength(1);
    const reset = clientWith([errno('ECONNRESET')]);
    expect(((await reset.client.createOrganisation({ name: 'A' }).catch((e: unknown) => e)) as XelionRetryableError).outcomeUnknown).toBe(true);
    expect(reset.requests).toHaveLength(1);
    const busy = clientWith([{ status: 429, data: { errorCode: 10400 }, headers: { 'retry-after': '0' } }, errno('ECONNREFUSED'), { status: 201, data: { object: { oid: '5', name: 'A' } } }]);
    expect((await busy.client.createOrganisation({ name: 'A' })).oid).toBe('5');
    expect(busy.requests).toHaveLength(3);
  });

  it('429 beyond the attempts → XelionRetryableError that was not applied', async () => {
    const { client } = clientWith([body(429, 10400), body(429, 10400), body(429, 10402)]);
    const error = (await client.me().catch((e: unknown) => e)) as XelionRetryableError;
    expect(error).toBeInstanceOf(XelionRetryableError);
    expect([error.status, error.errorCode, error.outcomeUnknown]).toEqual([429, 10402, false]);
  });

  it('an answer without the envelope is a permanent error', async () => {
    const { client } = clientWith([{ status: 200, data: '<html>' }]);
    expect(await client.getAddressable('1').catch((e: unknown) => e)).toBeInstanceOf(XelionPermanentError);
  });

  it('never puts the token in an error', async () => {
    const { client } = clientWith([body(401, 10000), errno('ECONNRESET'), errno('ECONNRESET'), errno('ECONNRESET')]);
    for (const call of [() => client.me(), () => client.me()]) {
      const error = (await call().catch((e: unknown) => e)) as Error;
      expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain('tok-123');
    }
  });
});
