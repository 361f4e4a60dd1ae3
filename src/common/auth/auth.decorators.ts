import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Caller } from './caller.js';

export const IS_PUBLIC = 'auth:isPublic';

/** Marks a public operation for the OpenAPI document, which turns it into `security: []` (src/openapi.ts). */
export const PUBLIC_EXTENSION = 'x-xps-public';

/** Marks a route (or a controller) that needs no API key. Everything else is denied by default. */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true)) as MethodDecorator & ClassDecorator;

/** The authenticated caller of this request (set by the global API key guard). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<{ user?: Caller }>();
  if (!request.user) {
    // Only reachable when a route marked @Public() asks for the caller: a programming error.
    throw new Error('CurrentCaller used on a public route');
  }
  return request.user;
});
