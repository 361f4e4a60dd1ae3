export { XelionModule } from './xelion.module.js';
export { XelionClientFactory, XELION_RETRY_POLICY, type XelionTenantAccess, type XelionClientOverrides } from './xelion-client.factory.js';
export { XelionTenantClient, generatePassword, normalizeMac, type XelionCallStats } from './xelion-tenant.client.js';
export { XelionPatch, isRepeatable, lineRef, type PatchOperation, type PatchDocument } from './xelion-patch.builder.js';
export * from './xelion.errors.js';
export type * from './xelion.types.js';
export { NumberProviderClient, type NumberProviderAccess, type NumberRequest, type NumberReservationResult } from './external/number-provider.client.js';
export { RedirectionClient, type RedirectionAccess, type DeviceRegistration } from './external/redirection.client.js';
export { ExternalServiceError, NumberProviderError, RedirectionError } from './external/external-service.error.js';
