import { describe, expect, it } from 'vitest';
import type { Configuration } from '../../src/configuration/configuration.types.js';
import type { ExternalServices } from '../../src/provisioning/external-services.js';
import { inspectTenant } from '../../src/provisioning/plan/tenant-inspection.js';
import type { TenantGateway } from '../../src/provisioning/tenant-gateway.js';
import { remainingPart } from '../../src/provisioning/tenant-reading.js';
import { XelionAuthError, XelionListTooLargeError, XelionRetryableError } from '../../src/xelion/xelion.errors.js';

const configuration: Configuration = {
  version: 1,
  organization: { name: 'A' },
  users: [{ email: 'a@x.example', lastName: 'A', role: 'user', voicemail: true, phones: [], internalNumber: '201' }],
  departments: [],
};

const about = async () => ({ apiVersionMajor: 1, apiVersionMinor: 4, userName: 'admin', isAdministrator: true });

/** A gateway whose every method fails unless given: only what the inspection should call is. */
function gateway(methods: Partial<TenantGateway>): TenantGateway {
  return new Proxy(methods as TenantGateway, {
    get: (target, name: string) => target[name as keyof TenantGateway] ?? (() => Promise.reject(new Error(`unexpected call ${name}`))),
  });
}

const services = {} as ExternalServices;
const temporary = () => new XelionRetryableError('503 from the server', 503, undefined, undefined, false);

describe('inspectTenant', () => {
  it('for the plan, a server that fails is a requirement; for an order\'s preflight, the error itself (the step retries it)', async () => {
    const failing = gateway({ about: () => Promise.reject(temporary()) });
    const planned = await inspectTenant({ configuration, organizationId: 1, gateway: failing, services });
    expect(planned.requirements).toEqual([expect.objectContaining({ name: 'server', ok: false })]);
    await expect(inspectTenant({ configuration, organizationId: 1, gateway: failing, services, throwFailures: true })).rejects.toBeInstanceOf(XelionRetryableError);

    const rejected = gateway({ about: () => Promise.reject(new XelionAuthError(401, 10021)) });
    await expect(inspectTenant({ configuration, organizationId: 1, gateway: rejected, services, throwFailures: true })).rejects.toBeInstanceOf(XelionAuthError);
  });

  it('a read that fails for a while is thrown to the preflight, and a tenant too large to read stays a warning for both', async () => {
    const unreadable = gateway({ about, findOrganisations: async () => [], readUsers: () => Promise.reject(temporary()), readLines: async () => ({ items: [], complete: true }) });
    const planned = await inspectTenant({ configuration, organizationId: 1, gateway: unreadable, services });
    expect(planned.requirements.find((r) => r.name === 'tenantRead')).toMatchObject({ ok: false, severity: 'error' });
    await expect(inspectTenant({ configuration, organizationId: 1, gateway: unreadable, services, throwFailures: true })).rejects.toBeInstanceOf(XelionRetryableError);

    const huge = gateway({
      about,
      findOrganisations: async () => [],
      readUsers: async () => ({ items: [], complete: true }),
      readLines: () => Promise.reject(new XelionListTooLargeError('GET /phonelines: more than XELION_LIST_MAX_ITEMS')),
    });
    for (const throwFailures of [false, true]) {
      const inspection = await inspectTenant({ configuration, organizationId: 1, gateway: huge, services, throwFailures });
      expect(inspection.requirements.find((r) => r.name === 'tenantRead')).toMatchObject({ ok: false, severity: 'warning' });
      expect(inspection.plan).toBeNull();
    }
  });
});

describe('remainingPart', () => {
  const full: Configuration = {
    version: 1,
    organization: { name: 'A' },
    users: ['a', 'b', 'c'].map((name) => ({ email: `${name}@x.example`, lastName: name, role: 'user' as const, voicemail: true, phones: [] })),
    departments: [
      { name: 'Sales', users: [], enableCallRecording: false, internalNumbers: [], externalNumbers: [] },
      { name: 'Support', users: [], enableCallRecording: false, internalNumbers: [], externalNumbers: [], openingHours: { timezone: 'Europe/Amsterdam', days: {}, holidays: [] } },
    ],
  };

  it('keeps the users and departments of the steps left, and the departments with opening hours while the closed line is left', () => {
    const part = remainingPart(full, [
      { kind: 'user', subject: 'b@x.example' },
      { kind: 'phones', subject: 'c@x.example' },
      { kind: 'department', subject: 'Sales' },
    ]);
    expect(part.users.map((user) => user.email)).toEqual(['b@x.example', 'c@x.example']);
    expect(part.departments.map((department) => department.name)).toEqual(['Sales']);
    expect(part.organization).toBe(full.organization);
    expect(remainingPart(full, [{ kind: 'closedLine', subject: null }]).departments.map((department) => department.name)).toEqual(['Support']);
    expect(remainingPart(full, [{ kind: 'trunk', subject: null }])).toMatchObject({ users: [], departments: [] });
  });
});
