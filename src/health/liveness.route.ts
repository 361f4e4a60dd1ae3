import type { FastifyInstance, RouteOptions } from 'fastify';

/** The liveness probe's path: answered by Fastify alone (registerPlainLiveness). */
export const LIVENESS_PATH = '/health/live';
const LIVE_BODY = JSON.stringify({ status: 'ok' });

/**
 * Serves `GET /health/live` with a plain Fastify handler instead of Nest's router (its guard, pipe,
 * interceptor and filter layers): a load balancer polls it, and it only says that the process answers.
 * HealthController.live stays the route's declaration (the OpenAPI document reads it); its handler is
 * replaced when Nest registers it, so the answer is the same. Fastify's own hooks still run (security
 * headers, request id, metrics). Nothing is skipped that the route used: it is public and never rate
 * limited. docs/benchmarks.md, "The cost of a request".
 */
export function registerPlainLiveness(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== LIVENESS_PATH || !methods.includes('GET')) return;
    route.handler = (_request, reply) => reply.type('application/json; charset=utf-8').send(LIVE_BODY);
  });
}
