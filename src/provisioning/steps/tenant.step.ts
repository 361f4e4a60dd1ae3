import { count, type Counts, type StepContext, type StepHandler } from '../step-context.js';
import type { ParkGateway, ParkTenantView } from '../park-gateway.js';
import type { ParkStepAccess } from '../park-tenant.js';
import { StepFailure } from '../step-errors.js';

export const NO_TENANT_AVAILABLE = 'NO_TENANT_AVAILABLE';
export const TENANT_NAME_IN_USE = 'TENANT_NAME_IN_USE';

/**
 * A park order's first step (docs/provisioning.md, "Park orders"): the tenant named as the order
 * asks, if this service took it earlier for the same organization; else an available tenant, whose
 * taking is recorded before it is renamed and licensed (one change), started and logged in to with a
 * user space of this attempt. A tenant that carries the name but was not taken by this service for
 * this organization fails the order with TENANT_NAME_IN_USE, and an empty park with
 * NO_TENANT_AVAILABLE, both before anything is changed. A retry or a take-over finds the tenant the
 * order recorded and never takes a second one. A master session opened here is ended here.
 */
export const tenantStep: StepHandler<'tenant'> = async (context) => {
  const park = context.park;
  if (!park) throw new StepFailure('INTERNAL_ERROR', 'the tenant step belongs to park orders only');
  const master = await park.openMaster(context.step.attempt);
  try {
    const tenant = await chooseTenant(context, park, master);
    const updated: Counts = {};
    const found: Counts = {};
    const prepared = await master.prepare(tenant.databaseId, { name: context.order.tenantName, licenses: park.licenses });
    const started = tenant.active ? false : await master.start(tenant.databaseId);
    count(prepared || started ? updated : found, 'tenant');
    await park.keepTenantSession(await master.openTenantSession(tenant.databaseId, park.userSpace(context.step.attempt, 'tenant')));
    return { tenant: { databaseId: tenant.databaseId, name: context.order.tenantName }, started, updated, found };
  } finally {
    await master.close();
  }
};

/** The licences the order asks for that the tenant has no count of: refused before anything is changed. */
function checkLicenses(park: ParkStepAccess, tenant: ParkTenantView): void {
  const unknown = Object.keys(park.licenses).filter((name) => !tenant.licenseNames.includes(name));
  if (unknown.length > 0) {
    throw new StepFailure(
      'LICENSE_UNKNOWN',
      `tenant ${tenant.databaseId} of the park has no licence count for ${unknown.map((name) => `"${name}"`).join(', ')} (it has ${tenant.licenseNames.join(', ') || 'none'}); nothing was changed`,
    );
  }
}

function nameInUse(name: string): StepFailure {
  return new StepFailure(TENANT_NAME_IN_USE, `a tenant of the park is already named "${name}" and this service did not take it for this organization; nothing was changed`);
}

async function chooseTenant(context: StepContext, park: ParkStepAccess, master: ParkGateway): Promise<ParkTenantView> {
  const name = context.order.tenantName;
  const tenants = await master.tenants();
  const byId = (databaseId: string) => tenants.find((tenant) => tenant.databaseId === databaseId);

  const recorded = await park.recordedTenant();
  if (recorded !== null) {
    const tenant = byId(recorded);
    if (!tenant) throw new StepFailure(NO_TENANT_AVAILABLE, `tenant ${recorded}, which this order took, is no longer in the park`);
    checkLicenses(park, tenant);
    return tenant;
  }

  const named = tenants.filter((tenant) => tenant.name === name || tenant.displayName === name);
  if (named.length > 0) {
    const intent = named.length === 1 ? await park.intentOf(named[0].databaseId) : undefined;
    if (!intent || intent.organizationId !== context.order.organizationId || intent.tenantName !== name) throw nameInUse(name);
    checkLicenses(park, named[0]);
    await recordOrFail(park, named[0], name);
    return named[0];
  }

  const available = tenants.filter((tenant) => tenant.available);
  const taken = available.length > 0 ? await park.takenAmong(available.map((tenant) => tenant.databaseId)) : new Set<string>();
  for (const candidate of available.filter((tenant) => !taken.has(tenant.databaseId))) {
    checkLicenses(park, candidate);
    const outcome = await park.record(candidate.databaseId);
    if (outcome.kind === 'recorded') return candidate;
    if (outcome.kind === 'nameTaken') {
      // Another order recorded the name meanwhile: ours to share only if it is of this organization.
      if (outcome.intent.organizationId !== context.order.organizationId) throw nameInUse(name);
      const tenant = byId(outcome.intent.databaseId);
      if (!tenant) throw new StepFailure(NO_TENANT_AVAILABLE, `tenant ${outcome.intent.databaseId}, taken for "${name}", is no longer in the park`);
      await recordOrFail(park, tenant, name);
      return tenant;
    }
    // tenantTaken: another order took this one meanwhile; try the next.
  }
  throw new StepFailure(NO_TENANT_AVAILABLE, `the park has no available tenant (preloaded, never started, not a template) to take for "${name}"; nothing was changed`);
}

/** Records a tenant this organization took earlier for this order as well. */
async function recordOrFail(park: ParkStepAccess, tenant: ParkTenantView, name: string): Promise<void> {
  const outcome = await park.record(tenant.databaseId);
  if (outcome.kind !== 'recorded') throw nameInUse(name);
}
