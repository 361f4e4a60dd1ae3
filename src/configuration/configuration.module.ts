import { Module } from '@nestjs/common';
import { ConfigurationController } from './configuration.controller.js';
import { ConfigurationValidator } from './configuration.validator.js';

/** Configuration format v1: the validator (used by orders too), the test endpoint and the JSON Schema. */
@Module({
  controllers: [ConfigurationController],
  providers: [ConfigurationValidator],
  exports: [ConfigurationValidator],
})
export class ConfigurationModule {}
