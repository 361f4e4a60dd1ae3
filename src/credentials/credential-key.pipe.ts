import { HttpStatus, Injectable, Param, PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/http/error-response.js';

/** Credential key names: 1–64 characters, a letter first, then letters, digits, `.`, `_` or `-`. */
export const CREDENTIAL_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
export const CREDENTIAL_KEY_RULE =
  'key must be 1 to 64 characters: a letter first, then letters, digits, ".", "_" or "-"';

/** Validates the `:key` path parameter; a bad one is a 400 that states the rule (it does not echo the key). */
@Injectable()
export class CredentialKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !CREDENTIAL_KEY_PATTERN.test(value)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, CREDENTIAL_KEY_RULE, { details: [{ field: 'key', message: CREDENTIAL_KEY_RULE }] });
    }
    return value;
  }
}

/** `@CredentialKeyParam() key: string` */
export const CredentialKeyParam = (): ParameterDecorator => Param('key', CredentialKeyPipe);
