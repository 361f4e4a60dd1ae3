import { createHash } from 'node:crypto';
import { Module, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';

const WINDOW_MS = 60_000;

/**
 * Who a request counts against: the API key (its SHA-256, never the key itself, so that the limiter's
 * memory holds no secret), or the client's IP address on the public routes. Tracked by the header, not
 * by the authenticated caller, so that the answer does not depend on the order of the global guards.
 */
export function rateLimitTracker(request: FastifyRequest): string {
  const key = request.headers['x-auth-key'];
  if (typeof key === 'string' && key !== '') return `key:${createHash('sha256').update(key).digest('hex')}`;
  return `ip:${request.ip}`;
}

/** Probes and metrics are never limited: a busy scraper or load balancer must not lock itself out. */
function unthrottled(context: ExecutionContext): boolean {
  const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions?.url ?? '';
  return route === '/health' || route.startsWith('/health/') || route === '/metrics';
}

export function throttlerOptions(settings: RuntimeSettings): ThrottlerModuleOptions {
  const limit = settings.limits.ratePerMinute;
  return {
    // One budget per caller for the whole API (not one per route), RATE_LIMIT_PER_MINUTE in any 60 s.
    throttlers: [{ name: 'default', ttl: WINDOW_MS, limit: Math.max(1, limit) }],
    skipIf: (context) => limit === 0 || unthrottled(context),
    getTracker: (request) => rateLimitTracker(request as FastifyRequest),
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    // The guard sets Retry-After (seconds) before it throws; the exception filter gives the API's error shape.
    errorMessage: (context, detail) => {
      const who = rateLimitTracker(context.switchToHttp().getRequest<FastifyRequest>()).startsWith('key:') ? 'API key' : 'client address';
      return `Too many requests: at most ${detail.limit} requests per minute per ${who} (RATE_LIMIT_PER_MINUTE); retry after ${detail.timeToBlockExpire} s`;
    },
  };
}

/**
 * Rate limits per API key (issue 8), in memory: each instance counts its own requests, so behind a load
 * balancer over N instances a key may send up to N × RATE_LIMIT_PER_MINUTE in a minute.
 */
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [SETTINGS], useFactory: throttlerOptions })],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class RateLimitModule {}
