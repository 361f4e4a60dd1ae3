import { createServer } from 'node:net';
import type { ArgumentsHost } from '@nestjs/common';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AllExceptionsFilter } from '../../src/common/http/all-exceptions.filter.js';
import { isDatabaseUnavailable } from '../../src/common/http/database-unavailable.js';

/** A real connection error from the pg driver: a loopback port nobody listens on. */
async function refusedConnectionError(): Promise<Error> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the connection to be refused');
}

function queryFailed(code: string, message: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));
}

describe('isDatabaseUnavailable', () => {
  it('recognises PostgreSQL out of reach', async () => {
    expect(isDatabaseUnavailable(await refusedConnectionError())).toBe(true);
    expect(isDatabaseUnavailable(queryFailed('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(queryFailed('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(queryFailed('08006', 'connection failure'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not take other errors for it', () => {
    expect(isDatabaseUnavailable(queryFailed('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isDatabaseUnavailable(queryFailed('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('AllExceptionsFilter', () => {
  function answer(exception: unknown) {
    const sent: { status?: number; headers: Record<string, string>; body?: Record<string, unknown> } = { headers: {} };
    const reply = {
      status(code: number) {
        sent.status = code;
        return reply;
      },
      header(name: string, value: string) {
        sent.headers[name] = value;
        return reply;
      },
      send(body: Record<string, unknown>) {
        sent.body = body;
        return reply;
      },
    };
    const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ id: 'req-1' }) }) } as unknown as ArgumentsHost;
    new AllExceptionsFilter().catch(exception, host);
    return sent;
  }

  it('answers 503 with Retry-After while PostgreSQL is out of reach, 500 for anything unexpected', async () => {
    const unavailable = answer(await refusedConnectionError());
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('2');
    expect(unavailable.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', requestId: 'req-1' });
    expect(String(unavailable.body?.message)).toMatch(/database is unavailable/);
    expect(JSON.stringify(unavailable.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    const unexpected = answer(new TypeError('boom'));
    expect(unexpected.status).toBe(500);
    expect(unexpected.headers['retry-after']).toBeUndefined();
  });
});
