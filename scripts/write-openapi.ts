/**
 * Writes the OpenAPI document, keys sorted, to docs/openapi.json (`npm run openapi`).
 * A test fails when the committed file differs from what the code declares.
 */
import { writeFileSync } from 'node:fs';
import { createApp } from '../src/app.js';
import { loadSettings } from '../src/config/settings.js';
import { IN_MEMORY } from '../src/database/embedded-postgres.js';
import { createOpenApiDocument, DOCUMENT_SERVER_URL, renderOpenApi } from '../src/openapi.js';

const OPENAPI_PATH = 'docs/openapi.json';

const running = await createApp(
  loadSettings({ DATA_DIR: IN_MEMORY, LOG_LEVEL: 'warn', EXECUTOR_ENABLED: 'false', ROOT_API_KEY: 'x'.repeat(32) }),
);
try {
  writeFileSync(OPENAPI_PATH, renderOpenApi(createOpenApiDocument(running.app, DOCUMENT_SERVER_URL)));
  console.log(`wrote ${OPENAPI_PATH}`);
} finally {
  await running.close();
}
