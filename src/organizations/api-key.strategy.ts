import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { API_KEY_HEADER, API_KEY_STRATEGY } from '../common/auth/api-key.guard.js';
import type { Caller } from '../common/auth/caller.js';
import { ApiKeyService } from './api-key.service.js';

/** passport-headerapikey reads `X-Auth-Key`; the key service decides who it belongs to. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_STRATEGY) {
  constructor(private readonly apiKeys: ApiKeyService) {
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  validate(apiKey: string): Promise<Caller> {
    return this.apiKeys.authenticate(apiKey);
  }
}
