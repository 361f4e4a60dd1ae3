import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER } from './common/auth/api-key.guard.js';
import { ErrorResponse } from './common/http/error-response.js';

export const API_KEY_SCHEME = 'api-key';

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Xelion Provisioning Service')
    .setDescription(
      'Provision Xelion tenants from Xelion Configurator configurations. Authenticate with an API key in the ' +
        `\`${API_KEY_HEADER}\` header; an organization sees itself and its descendants only.`,
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, API_KEY_SCHEME)
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponse] });
}

/** Swagger UI at /api/docs and the document at /api/docs-json, both public. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}

/** Recursively sorts object keys, so that the written document diffs cleanly. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The committed form of the document (docs/openapi.json): keys sorted, two-space indent. */
export function renderOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}
