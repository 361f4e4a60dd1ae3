/**
 * The service as a benchmark target: the real application on the embedded database in a temporary
 * directory (or on DATABASE_URL), quiet logs, the given ROOT_API_KEY.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { loadSettings } from '../../src/config/settings.js';

const dataDir = mkdtempSync(join(tmpdir(), 'xps-bench-'));
const running = await createApp(
  loadSettings({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', EXECUTOR_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '1000000', ...process.env } as Record<string, string>),
);
await running.app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ listening: (running.app.getHttpServer().address() as { port: number }).port }));
process.once('SIGTERM', () => {
  void running.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
