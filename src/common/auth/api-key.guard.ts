import { ExecutionContext, UnauthorizedException, type CanActivate, type Type } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from './auth.decorators.js';
import type { Caller } from './caller.js';
import type { RateLimits } from '../http/throttle.module.js';

export const API_KEY_HEADER = 'X-Auth-Key';
const HEADER = API_KEY_HEADER.toLowerCase();

/** Resolves an `X-Auth-Key` to its caller, or throws UnauthorizedException saying why not. */
export type ApiKeyAuthenticator = (key: string) => Promise<Caller>;

/**
 * The authenticators of the application instances in this process, by name. Each instance registers its
 * own (organizations/api-key.strategy.ts) under its own name, so that two instances in one process (tests,
 * benchmarks) never authenticate against each other's database. A plain registry instead of passport's:
 * passport's per-request plumbing (a new authenticate closure, strategy lookup and copy per request) showed
 * in the request's profile (docs/benchmarks.md, "The cost of a request").
 */
const authenticators = new Map<string, ApiKeyAuthenticator>();

export function registerApiKeyAuthenticator(name: string, authenticate: ApiKeyAuthenticator): void {
  authenticators.set(name, authenticate);
}

export function unregisterApiKeyAuthenticator(name: string): void {
  authenticators.delete(name);
}

export function apiKeyStrategyName(instanceId: string): string {
  return `api-key:${instanceId}`;
}

/**
 * The one global guard: every route needs a valid `X-Auth-Key` unless it is marked `@Public()`.
 * The authenticator (organizations/api-key.service.ts) says why a key is refused. The rate limits are
 * applied here too, around the authentication: failures per client address before the key is
 * looked up, then the caller's budget per API key id (docs/security.md, "Rate limits").
 */
export function apiKeyGuardFor(name: string): Type<CanActivate> {
  class ApiKeyGuard implements CanActivate {
    /** Whether a handler is public, read from its metadata once (it does not change at run time). */
    private readonly publicHandlers = new WeakMap<object, { type: object; isPublic: boolean }>();

    constructor(
      private readonly reflector: Reflector,
      private readonly limits?: RateLimits,
    ) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const http = context.switchToHttp();
      const request = http.getRequest<FastifyRequest & { user?: Caller }>();
      const reply = http.getResponse<FastifyReply>();
      if (this.isPublic(context)) {
        this.limits?.publicRequest(request, reply);
        return true;
      }
      this.limits?.beforeAuthentication(request, reply);
      let caller: Caller;
      try {
        const key = request.headers[HEADER];
        if (typeof key !== 'string' || key === '') throw new UnauthorizedException(`Missing ${API_KEY_HEADER} header: send an API key`);
        const authenticate = authenticators.get(name);
        if (!authenticate) throw new Error(`no API key authenticator registered as ${name}`);
        caller = await authenticate(key);
      } catch (error) {
        if (error instanceof UnauthorizedException) this.limits?.authenticationFailed(request, reply);
        throw error;
      }
      caller.requestId = request.id;
      request.user = caller;
      this.limits?.authenticated(caller, reply);
      return true;
    }

    private isPublic(context: ExecutionContext): boolean {
      const handler = context.getHandler();
      const type = context.getClass();
      const known = this.publicHandlers.get(handler);
      if (known && known.type === type) return known.isPublic;
      const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, type]) === true;
      this.publicHandlers.set(handler, { type, isPublic });
      return isPublic;
    }
  }
  return ApiKeyGuard;
}
