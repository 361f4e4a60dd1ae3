import { ExecutionContext, UnauthorizedException, type CanActivate, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from './auth.decorators.js';
import type { Caller } from './caller.js';
import { logContext } from '../logging/request-context.js';

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
 * The strategy (organizations/api-key.strategy.ts) says why a key is refused.
 */
export function apiKeyGuardFor(strategy: string): Type<IAuthGuard & CanActivate> {
  class ApiKeyGuard extends AuthGuard(strategy) {
    constructor(private readonly reflector: Reflector) {
      super();
    }

    override canActivate(context: ExecutionContext) {
      const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
      if (isPublic) return true;
      return super.canActivate(context);
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
