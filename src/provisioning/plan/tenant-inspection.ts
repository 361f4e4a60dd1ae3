import { MissingCredentialError } from '../../credentials/credentials.service.js';
import type { Configuration } from '../../configuration/configuration.types.js';
import { classifyError } from '../error-mapping.js';
import type { ExternalServices } from '../external-services.js';
import { allExternalNumbers } from '../provisioning-plan.js';
import { NUMBER_CREDENTIALS } from '../steps/numbers.step.js';
import { TRUNK_CREDENTIALS } from '../steps/trunk.step.js';
import type { TenantAbout, TenantGateway } from '../tenant-gateway.js';
import { readTenant, type TenantReading } from '../tenant-reading.js';
import { XelionListTooLargeError } from '../../xelion/xelion.errors.js';
import { computePlan, type PlanResult } from './plan.js';

/** The API versions this service speaks (docs/xelion-contract.md: `/api/v1`). */
export const SUPPORTED_API_MAJOR = 1;

export const REQUIREMENT_NAMES = ['server', 'token', 'administrator', 'tenantRead', 'numbers', 'sipTrunk', 'redirection'] as const;
export type RequirementName = (typeof REQUIREMENT_NAMES)[number];

/**
 * One of the Provisioning Guide's "Requirements Xelion Tenant", checked read-only. `code` is the order
 * error code an order fails with when the requirement is not met (warnings never fail an order).
 */
export interface Requirement {
  name: RequirementName;
  ok: boolean;
  severity: 'error' | 'warning';
  message: string;
  code?: string;
}

export interface TenantInspection {
  requirements: Requirement[];
  /** The tenant as it answered (null when it did not). */
  about: TenantAbout | null;
  /** Null when the tenant could not be read (a requirement says why). */
  plan: PlanResult | null;
  /** What was read, for the run to answer its look-ups from (null when the tenant could not be read). */
  reading: TenantReading | null;
}

export interface InspectionInput {
  configuration: Configuration;
  organizationId: number;
  gateway: TenantGateway;
  services: ExternalServices;
  /** Objects the order made itself: never conflicts. */
  ownOids?: ReadonlySet<string>;
  /**
   * An order's preflight: a failure to reach or read the tenant is thrown as it came (the step retries a
   * temporary one and fails on a rejected token as every step does) instead of becoming a requirement.
   */
  throwFailures?: boolean;
}

function met(name: RequirementName, message: string): Requirement {
  return { name, ok: true, severity: 'error', message };
}

function unmet(name: RequirementName, code: string, message: string, severity: Requirement['severity'] = 'error'): Requirement {
  return { name, ok: false, severity, message, code };
}

/**
 * Reads a tenant (never writes) and checks it against a configuration: the requirements, then the
 * plan of changes and conflicts. Used by `POST /api/v1/provision/plan` and by an order's preflight
 * (docs/provisioning.md, "Plan").
 */
export async function inspectTenant(input: InspectionInput): Promise<TenantInspection> {
  const { configuration, gateway, services, organizationId } = input;
  const requirements: Requirement[] = [];
  let about: TenantAbout;
  try {
    about = await gateway.about();
  } catch (error) {
    if (input.throwFailures) throw error;
    const failure = classifyError(error);
    if (failure.code === 'TENANT_TOKEN_REJECTED') {
      requirements.push(met('server', 'the server and tenant answer'));
      requirements.push(unmet('token', failure.code, 'the tenant token was rejected: get a new session token of the tenant (README, "Getting a tenant token")'));
    } else {
      requirements.push(unmet('server', failure.code, `the server did not answer as a Xelion tenant: ${failure.message}; check Xelion-Server-Url and Xelion-Tenant-Name`));
    }
    return { requirements, about: null, plan: null, reading: null };
  }
  if (about.apiVersionMajor !== SUPPORTED_API_MAJOR) {
    requirements.push(
      unmet('server', 'XELION_VERSION_UNSUPPORTED', `the server speaks API ${about.apiVersionMajor}.${about.apiVersionMinor}; this service speaks API ${SUPPORTED_API_MAJOR}.x`),
    );
  } else requirements.push(met('server', `the server answers, API ${about.apiVersionMajor}.${about.apiVersionMinor}`));
  requirements.push(met('token', `the token is valid (user ${about.userName})`));
  if (about.isAdministrator === false) {
    requirements.push(
      unmet('administrator', 'NOT_TENANT_ADMINISTRATOR', `the token's user ${about.userName} is not an administrator of the tenant: use a session token of an administrator`),
    );
  } else {
    requirements.push(met('administrator', about.isAdministrator ? `${about.userName} administers the tenant` : 'the server does not say whether the user administers the tenant'));
  }

  let plan: PlanResult | null = null;
  let reading: TenantInspection['reading'] = null;
  try {
    reading = await readTenant(gateway, configuration);
    plan = computePlan({ configuration, organisation: reading.organisation, tenant: reading.index, ownOids: input.ownOids });
    requirements.push(met('tenantRead', `read ${reading.summary}`));

    const numbers = allExternalNumbers(configuration);
    if (numbers.some((number) => number.new)) requirements.push(await credentials(services, organizationId, 'numbers', NUMBER_CREDENTIALS, 'new numbers are reserved'));
    if (numbers.length > 0 && reading.index.contents.trunks.length === 0) {
      requirements.push(await credentials(services, organizationId, 'sipTrunk', TRUNK_CREDENTIALS, 'the tenant has no trunk, so one is created'));
    }
  } catch (error) {
    const failure = classifyError(error);
    if (input.throwFailures && !(error instanceof XelionListTooLargeError)) throw error;
    if (error instanceof XelionListTooLargeError) {
      // A tenant larger than one list read keeps (XELION_LIST_MAX_ITEMS / _BYTES) is still provisioned, object by object.
      requirements.push(
        unmet('tenantRead', failure.code, `the tenant is larger than this service reads in one list, so no plan was made and conflicts were not checked: ${failure.message}`, 'warning'),
      );
    } else {
      requirements.push(unmet('tenantRead', failure.code, `the tenant could not be read: ${failure.message}`));
    }
  }
  if (configuration.users.some((user) => (user.phones ?? []).length > 0)) {
    const url = await services.optionalCredential(organizationId, 'redirection.url');
    requirements.push(
      url
        ? met('redirection', 'phones are registered at the redirection server')
        : unmet('redirection', 'MISSING_CREDENTIAL', 'phones will not be registered at a redirection server: credential "redirection.url" is not set', 'warning'),
    );
  }
  return { requirements, about, plan, reading };
}

async function credentials(services: ExternalServices, organizationId: number, name: RequirementName, keys: readonly string[], why: string): Promise<Requirement> {
  try {
    await services.requireAll(organizationId, keys);
    return met(name, `${why}: the ${name}.* credentials resolve`);
  } catch (error) {
    if (!(error instanceof MissingCredentialError)) throw error;
    return unmet(name, 'MISSING_CREDENTIAL', `${why}, but ${error.message}: set it with PUT /api/v1/organizations/{id}/credentials/${error.key}`);
  }
}

/** The first thing that would make an order fail: an unmet requirement (warnings aside), then a conflict. */
export function firstProblem(inspection: TenantInspection): { code: string; message: string } | undefined {
  const requirement = inspection.requirements.find((r) => !r.ok && r.severity === 'error');
  if (requirement) return { code: requirement.code!, message: requirement.message };
  const conflict = inspection.plan?.conflicts[0];
  if (conflict) return { code: conflict.code, message: `${conflict.path}: ${conflict.message}` };
  return undefined;
}
