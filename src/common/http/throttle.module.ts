import { Global, HttpStatus, Inject, Injectable, Module } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import type { Caller } from '../auth/caller.js';
import { ApiError } from './error-response.js';
import { rateLimitHeaders, RateLimiter, secondsUntil, type WindowState } from './rate-limiter.js';

/** The public configuration test: its own, lower budget per client address (it costs CPU). */
const TEST_ROUTE = '/api/v1/provision/test';

/** Probes and metrics are never limited: a busy scraper or load balancer must not lock itself out. */
function unthrottled(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url ?? '';
  return route === '/health' || route.startsWith('/health/') || route === '/metrics';
}

/**
 * Rate limits, in memory (each instance counts its own requests, so behind a load balancer over N
 * instances a key may send up to N × the limit). docs/security.md, "Rate limits":
 * - authenticated requests: RATE_LIMIT_PER_MINUTE per API key id (0: off);
 * - requests that fail authentication: AUTH_FAILURES_PER_MINUTE per client address, checked before
 *   the key is looked up, so that a flood of wrong keys costs no database query once it is refused;
 * - public routes: RATE_LIMIT_PER_MINUTE per client address, and POST /api/v1/provision/test also
 *   PROVISION_TEST_PER_MINUTE per client address.
 * The client address is the socket's, or X-Forwarded-For's when TRUST_PROXY says so.
 * Every answer of a limited route carries RateLimit-Limit/-Remaining/-Reset; a 429 also Retry-After.
 */
@Injectable()
export class RateLimits {
  private readonly keys = new RateLimiter();
  private readonly addresses = new RateLimiter();
  private readonly tests = new RateLimiter();
  private readonly failures = new RateLimiter();

  constructor(@Inject(SETTINGS) private readonly settings: Pick<RuntimeSettings, 'limits'>) {}

  /** A public route: per client address. */
  publicRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (unthrottled(request)) return;
    const { ratePerMinute, testPerMinute } = this.settings.limits;
    const counted: { limit: number; state: WindowState; what: string }[] = [];
    if (ratePerMinute > 0) {
      counted.push({ limit: ratePerMinute, state: this.addresses.hit(request.ip), what: 'requests per minute per client address (RATE_LIMIT_PER_MINUTE)' });
    }
    if (testPerMinute > 0 && request.routeOptions?.url === TEST_ROUTE) {
      counted.push({ limit: testPerMinute, state: this.tests.hit(request.ip), what: 'configuration tests per minute per client address (PROVISION_TEST_PER_MINUTE)' });
    }
    if (counted.length === 0) return;
    // The headers describe the budget that runs out first.
    const tightest = counted.reduce((a, b) => (b.limit - b.state.count < a.limit - a.state.count ? b : a));
    this.answer(reply, tightest.limit, tightest.state, tightest.what);
  }

  /** Before the key is looked up: a client address that failed too often is refused at once. */
  beforeAuthentication(request: FastifyRequest, reply: FastifyReply): void {
    const limit = this.settings.limits.authFailuresPerMinute;
    if (limit === 0) return;
    const state = this.failures.peek(request.ip);
    if (state.count >= limit) this.answer(reply, limit, { ...state, count: state.count + 1 }, 'failed authentications per minute per client address (AUTH_FAILURES_PER_MINUTE)');
  }

  /** A request failed authentication (401): counted against its client address. */
  authenticationFailed(request: FastifyRequest, reply: FastifyReply): void {
    const limit = this.settings.limits.authFailuresPerMinute;
    if (limit === 0) return;
    void reply.headers(rateLimitHeaders(limit, this.failures.hit(request.ip)));
  }

  /** An authenticated request: counted against its API key (by id, whatever header string carried it). */
  authenticated(caller: Caller, reply: FastifyReply): void {
    const limit = this.settings.limits.ratePerMinute;
    if (limit === 0) return;
    this.answer(reply, limit, this.keys.hit(`key:${caller.apiKeyId}`), 'requests per minute per API key (RATE_LIMIT_PER_MINUTE)');
  }

  /** Sets the headers; throws the 429 when the window's count is past the limit. */
  private answer(reply: FastifyReply, limit: number, state: WindowState, what: string): void {
    void reply.headers(rateLimitHeaders(limit, state));
    if (state.count <= limit) return;
    const retryAfter = secondsUntil(state.resetAt);
    void reply.header('retry-after', String(retryAfter));
    throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, `Too many requests: at most ${limit} ${what}; retry after ${retryAfter} s`);
  }
}

@Global()
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitModule {}
