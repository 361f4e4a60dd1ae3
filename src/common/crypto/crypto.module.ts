import { Global, Module } from '@nestjs/common';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import { SecretBox } from './secret-box.js';

/**
 * Provides the one SecretBox app-wide (inject it by class: `constructor(private readonly box: SecretBox)`),
 * built from ENCRYPTION_KEY (generated into DATA_DIR on the embedded database when unset) and
 * ENCRYPTION_KEYS_PREVIOUS.
 */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      useFactory: (settings: RuntimeSettings) => new SecretBox(settings.encryptionKey, settings.previousEncryptionKeys),
      inject: [SETTINGS],
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
