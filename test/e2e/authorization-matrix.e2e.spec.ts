import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLERS, expectedStatus, keyOf, MATRIX, PUBLIC_ROUTES } from '../support/authorization-matrix.js';
import { buildTree, type Tree } from '../support/factories.js';
import { listRoutes } from '../support/routes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let app: TestApp;
let tree: Tree;

beforeAll(async () => {
  // Orders must stay where the matrix puts them: no executor, no deliveries.
  app = await startTestApp({ EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
  tree = await buildTree(app, 'matrix');
});
afterAll(() => app?.close());

describe('authorization matrix', () => {
  it('covers every route the application serves', () => {
    const routes = listRoutes(app);
    const covered = new Set([...MATRIX.map((entry) => entry.route), ...Object.keys(PUBLIC_ROUTES)]);
    const missing = routes.filter((route) => !covered.has(route.route)).map((route) => route.route);
    expect(missing, 'add these routes to test/support/authorization-matrix.ts').toEqual([]);
    const publicRoutes = routes.filter((route) => route.isPublic).map((route) => route.route);
    expect(publicRoutes.sort(), 'public routes must be exactly the listed ones').toEqual(Object.keys(PUBLIC_ROUTES).sort());
    const stale = [...covered].filter((route) => !routes.some((r) => r.route === route));
    expect(stale, 'matrix entries for routes that no longer exist').toEqual([]);
  });

  for (const [route, prepared] of Object.entries(PUBLIC_ROUTES)) {
    it(`${route} is public`, async () => {
      const response = await app.request(route.split(' ')[0], prepared.path, { body: prepared.body, headers: prepared.headers });
      expect(response.status).not.toBe(401);
      expect(response.status).toBeLessThan(500);
    });
  }

  for (const entry of MATRIX) {
    describe(entry.route, () => {
      for (const caller of CALLERS) {
        const expected = expectedStatus(entry, caller);
        it(`${caller} → ${expected}`, async () => {
          const prepared = await entry.prepare(app, tree);
          const response = await app.request(entry.route.split(' ')[0], prepared.path, {
            key: keyOf(tree, caller),
            body: prepared.body,
            headers: prepared.headers,
          });
          expect(response.status, response.text).toBe(expected);
          if (expected >= 400) {
            expect(response.body).toMatchObject({ statusCode: expected, error: expect.any(String), message: expect.any(String) });
          }
        });
      }
    });
  }
});
