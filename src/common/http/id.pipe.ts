import { HttpStatus, Injectable, Param, PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import { ApiError } from './error-response.js';

const MAX_ID = 2_147_483_647;

/** Path ids are positive 32-bit integers; anything else is a 400 that names the parameter. */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const name = metadata.data ?? 'id';
    if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID) {
      throw new ApiError(HttpStatus.BAD_REQUEST, `${name} must be a positive integer`, {
        details: [{ field: name, message: `${name} must be a positive integer` }],
      });
    }
    return Number(value);
  }
}

/** `@IdParam('id') id: number` — a path id, validated. */
export const IdParam = (name: string): ParameterDecorator => Param(name, IdPipe);
