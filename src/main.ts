import { ADMIN_PREFIX } from './admin/admin-page.js';
import { createApp } from './app.js';
import { announceStart } from './common/logging/startup-banner.js';
import { loadSettings, SettingsError } from './config/settings.js';
import { publicUrl } from './openapi.js';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const running = await createApp(settings);
  await running.app.listen({ port: settings.port, host: settings.host });
  announceStart(running.settings, running.logFormat, publicUrl(running.settings), ADMIN_PREFIX, running.logger);
  // SIGTERM/SIGINT: close() runs Nest's shutdown hooks — readiness turns 503, the executor stops claiming,
  // drains running steps for at most min(10 s, LEASE_SECONDS) and releases what is left, the HTTP server
  // closes, webhook deliveries in flight finish — then the embedded database closes and the process exits 0
  // (README "Operations"; test/e2e/limits-shutdown.e2e.spec.ts drives the same close()). A second signal
  // kills at once (the handlers are `once`).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running
        .close()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          console.error(error);
          process.exit(1);
        });
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
