import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators.js';
import { ApiError, ErrorResponse } from '../common/http/error-response.js';
import { invalidConfiguration } from './configuration.errors.js';
import { CONFIGURATION_SCHEMA } from './configuration.schema.js';
import { ConfigurationValidator } from './configuration.validator.js';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

@ApiTags('configuration')
@Controller('api/v1')
export class ConfigurationController {
  constructor(private readonly validator: ConfigurationValidator) {}

  /** Provisioning Guide, "Test Provisioning": only the body is tested, no headers are needed. */
  @Public()
  @Post('provision/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'testConfiguration',
    summary: 'Test a configuration without creating an order',
    description:
      'Answers 200 with an empty body when the configuration is valid; otherwise 400 with every error, each a JSON ' +
      'Pointer (`path`) into the submitted document and a `message`.',
  })
  @ApiBody({ description: 'A configuration, format version 1', required: true, schema: { $ref: '#/components/schemas/Configuration' } })
  @ApiOkResponse({ description: 'The configuration is valid (empty body)' })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not JSON, not an object, or an invalid configuration (`errors`)' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponse, description: 'Larger than 1 MB' })
  async test(@Req() request: FastifyRequest, @Body() body: unknown): Promise<void> {
    // The global ValidationPipe leaves `unknown` (metatype Object) alone; this validator reports instead.
    const contentType = request.headers['content-type'];
    if (body !== undefined && (typeof contentType !== 'string' || !JSON_CONTENT_TYPE.test(contentType))) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'Unsupported Content-Type: send the configuration as application/json');
    }
    const result = await this.validator.validateAsync(body);
    if (!result.valid) throw invalidConfiguration(result.errors);
  }

  @Public()
  @Get('schema/configuration')
  @Header('content-type', 'application/schema+json; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  @ApiOperation({ operationId: 'getConfigurationSchema',
    summary: 'The JSON Schema (draft 2020-12) of the configuration format, version 1',
    description:
      'Validate before sending. Rules that span the document (uniqueness, references, the central number, phone numbers ' +
      'valid for the country, opening-hours intervals) are not in the schema: test with POST /api/v1/provision/test.',
  })
  @ApiProduces('application/schema+json')
  @ApiOkResponse({ description: 'A JSON Schema document (draft 2020-12)', schema: { type: 'object', additionalProperties: true } })
  schema(): typeof CONFIGURATION_SCHEMA {
    return CONFIGURATION_SCHEMA;
  }
}
