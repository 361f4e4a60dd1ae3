import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller } from './caller.js';

export const IS_PUBLIC = 'auth:isPublic';

/** Marks a route (or a controller) that needs no API key. Everything else is denied by default. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The authenticated caller of this request (set by the global API key guard). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<{ user?: Caller }>();
  if (!request.user) {
    // Only reachable when a route marked @Public() asks for the caller: a programming error.
    throw new Error('CurrentCaller used on a public route');
  }
  return request.user;
});
