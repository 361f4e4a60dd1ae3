/**
 * Is this error PostgreSQL being out of reach (restarting, refusing connections, a dropped
 * connection) rather than a fault of the request or of the code? The API answers those with 503 and
 * Retry-After (all-exceptions.filter.ts): the request can be sent again unchanged, and nothing of it
 * was written, since every write is one transaction. Checked by the chaos suite's PostgreSQL restart.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now), 53300 (too many connections). */
const SQLSTATES = /^(08\w{3}|57P0[123]|53300)$/;
const MESSAGES = /Connection terminated|Connection is not established|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const { code, message, driverError, cause } = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    current = driverError ?? cause;
  }
  return false;
}
