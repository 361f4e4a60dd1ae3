import { ExecutionContext, UnauthorizedException, type CanActivate, type Type } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from './auth.decorators.js';
import type { Caller } from './caller.js';
import { logContext } from '../logging/request-context.js';
import type { RateLimits } from '../http/throttle.module.js';

export const API_KEY_HEADER = 'X-Auth-Key';

/**
 * Passport keeps strategies in one process-wide registry, by name. Each application instance
 * registers its own strategy under its own name, so that two instances in one process (tests,
 * benchmarks) never authenticate against each other's database.
 */
export function apiKeyStrategyName(instanceId: string): string {
  return `api-key:${instanceId}`;
}

/**
 * The one global guard: every route needs a valid `X-Auth-Key` unless it is marked `@Public()`.
 * The strategy (organizations/api-key.strategy.ts) says why a key is refused. The rate limits are
 * applied here too, around the authentication: failures per client address before the key is
 * looked up, then the caller's budget per API key id (docs/security.md, "Rate limits").
 */
export function apiKeyGuardFor(strategy: string): Type<IAuthGuard & CanActivate> {
  class ApiKeyGuard extends AuthGuard(strategy) {
    constructor(
      private readonly reflector: Reflector,
      private readonly limits?: RateLimits,
    ) {
      super();
    }

    override async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Caller }>();
      const reply = context.switchToHttp().getResponse<FastifyReply>();
      const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
      if (isPublic) {
        this.limits?.publicRequest(request, reply);
        return true;
      }
      this.limits?.beforeAuthentication(request, reply);
      let allowed: boolean;
      try {
        allowed = (await super.canActivate(context)) as boolean;
      } catch (error) {
        if (error instanceof UnauthorizedException) this.limits?.authenticationFailed(request, reply);
        throw error;
      }
      if (allowed && request.user) this.limits?.authenticated(request.user, reply);
      return allowed;
    }

    override handleRequest<TUser = Caller>(error: unknown, caller: TUser | false): TUser {
      if (error) throw error;
      if (!caller) throw new UnauthorizedException(`Missing ${API_KEY_HEADER} header: send an API key`);
      logContext.assign({ organizationId: (caller as unknown as Caller).organizationId });
      return caller;
    }
  }
  return ApiKeyGuard;
}
