import { DynamicModule, Global, Module } from '@nestjs/common';
import { SETTINGS, type RuntimeSettings } from './runtime-settings.js';

/** Makes the validated settings injectable everywhere: `@Inject(SETTINGS) settings: RuntimeSettings`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(settings: RuntimeSettings): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: SETTINGS, useValue: settings }], exports: [SETTINGS] };
  }
}
