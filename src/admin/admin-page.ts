import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where the admin page is served (docs/admin.md). */
export const ADMIN_PREFIX = '/admin';

/**
 * The page only talks to its own origin and runs no inline code, so everything but 'self' is refused.
 * `require-trusted-types-for 'script'` makes any accidental HTML-string sink (innerHTML …) throw.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

/**
 * The built page: `dist/admin` under the package root, whether this module runs from `dist/src/admin`
 * (after `npm run build`) or from `src/admin` (tests run the sources; they build the page first).
 */
export function defaultAdminRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve(dir, 'dist', 'admin');
}

/**
 * Serves the admin page's static files at /admin with Fastify directly: outside Nest, so the API key
 * guard does not apply (the page itself holds no data; every API call it makes carries the key).
 * Files are not fingerprinted, so browsers revalidate them (ETag) on every load: `no-cache`.
 */
export async function registerAdmin(app: NestFastifyApplication, root = defaultAdminRoot()): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (instance) => {
    instance.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', ADMIN_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
      return payload;
    });
    await instance.register(fastifyStatic, {
      root,
      prefix: ADMIN_PREFIX,
      // /admin → /admin/ (301), so that the page's relative module URLs resolve below /admin/.
      redirect: true,
      index: ['index.html'],
      decorateReply: false,
      // The directory is missing until the page is built (`npm run build`); requests then answer 404.
      suppressWarning: true,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (reply) => {
        void reply.header('cache-control', 'no-cache');
      },
    });
  });
}
