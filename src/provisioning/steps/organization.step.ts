import type { Configuration } from '../../configuration/configuration.types.js';
import type { StepHandler } from '../step-context.js';
import type { OrganisationChanges, OrganisationView, TelecomAddress, VisitAddress } from '../tenant-gateway.js';
import { changesOf, resolveNumber } from './step-support.js';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What the configuration wants of the Organisation addressable; `number` gives a configured number's E.164 value. */
export function wantedOrganisation(
  organization: Configuration['organization'],
  number: (n: NonNullable<Configuration['organization']['centralPhoneNumber']>) => string,
): { telecom: TelecomAddress[]; visit: VisitAddress | null } {
  const telecom: TelecomAddress[] = [];
  if (organization.email) telecom.push({ addressType: 'Email', address: organization.email });
  if (organization.centralPhoneNumber) telecom.push({ addressType: 'Telephone', address: number(organization.centralPhoneNumber) });
  const hasAddress = [organization.street, organization.number, organization.zipCode, organization.city, organization.country].some(Boolean);
  const visit: VisitAddress | null = hasAddress
    ? {
        addressType: 'Visit',
        street: organization.street ?? null,
        streetNumber: organization.number ? `${organization.number}${organization.numberAddition ?? ''}` : null,
        zipCode: organization.zipCode ?? null,
        city: organization.city ?? null,
        country: organization.country ?? null,
      }
    : null;
  return { telecom, visit };
}

/**
 * What differs between an Organisation and the configuration; undefined when nothing does. One address
 * per type that the configuration sets replaces that type's entry; the others are kept.
 */
export function organisationChanges(existing: OrganisationView, telecom: TelecomAddress[], visit: VisitAddress | null): OrganisationChanges | undefined {
  const changes: OrganisationChanges = {};
  const missing = telecom.filter((t) => !existing.telecomAddresses.some((e) => e.addressType === t.addressType && e.address === t.address));
  if (missing.length > 0) {
    const kept = existing.telecomAddresses.filter((e) => !telecom.some((t) => t.addressType === e.addressType));
    changes.telecomAddresses = [...kept, ...telecom];
  }
  if (visit) {
    const currentVisit = existing.addresses.find((address) => address.addressType === 'Visit');
    const normalized = currentVisit && {
      addressType: 'Visit',
      street: currentVisit.street ?? null,
      streetNumber: currentVisit.streetNumber ?? null,
      zipCode: currentVisit.zipCode ?? null,
      city: currentVisit.city ?? null,
      country: currentVisit.country ?? null,
    };
    if (!sameJson(normalized, visit)) changes.addresses = [...existing.addresses.filter((a) => a.addressType !== 'Visit'), visit];
  }
  return changesOf(changes);
}

/**
 * docs/xelion-contract.md "What the tenant holds": one Organisation addressable [name] with the e-mail (Email), the
 * central number (Telephone, E.164) and one Visit address. Found by name first; what differs is
 * patched. Telecom addresses and addresses the configuration does not mention are kept.
 */
export const organizationStep: StepHandler<'organization'> = async (context) => {
  const organization = context.configuration.organization;
  const { telecom, visit } = wantedOrganisation(organization, (n) => resolveNumber(context, n));
  const [existing] = await context.tenant.findOrganisations(organization.name);
  if (!existing) {
    const oid = await context.tenant.createOrganisation({ name: organization.name, telecomAddresses: telecom, addresses: visit ? [visit] : [] });
    return { oids: { organisation: oid }, created: { organisation: 1 } };
  }
  const update = organisationChanges(existing, telecom, visit);
  if (update) await context.tenant.updateOrganisation(existing.oid, update);
  return {
    oids: { organisation: existing.oid },
    ...(update ? { updated: { organisation: 1 } } : { found: { organisation: 1 } }),
  };
};
