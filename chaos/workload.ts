import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../tools/support/project-root.js';

/** One order of the chaos run: its own simulated tenant, so that whatever is in the tenant is its doing. */
export interface ChaosOrder {
  index: number;
  tenant: string;
  token: string;
  /** Which of the run's organizations submits it (and receives its webhooks). */
  organization: number;
  configuration: ChaosConfiguration;
  expected: { users: number; phones: number };
}

interface ChaosUser {
  email: string;
  firstName?: string;
  lastName: string;
  phones?: { macAddress: string; model: string }[];
  [field: string]: unknown;
}

export interface ChaosConfiguration {
  version: 1;
  organization: { name: string; [field: string]: unknown };
  users: ChaosUser[];
  departments?: unknown[];
}


/** A MAC address unique to (order, user, phone): phones are registered at one redirection server for all tenants. */
function mac(order: number, user: number, phone: number): string {
  const bytes = [0x02, (order >> 8) & 0xff, order & 0xff, user & 0xff, phone & 0xff, 0x5a];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The run's orders: every third one is examples/small-office.json (ten users, phones, departments,
 * new and existing numbers), the others a small office of three users with a phone each and a
 * department. MAC addresses are rewritten to be unique across the run.
 */
export function chaosOrders(count: number, organizations: number): ChaosOrder[] {
  const office = JSON.parse(readFileSync(join(projectRoot(import.meta.url), 'examples', 'small-office.json'), 'utf8')) as ChaosConfiguration;
  return Array.from({ length: count }, (_, index) => {
    let configuration: ChaosConfiguration;
    if (index % 3 === 0) {
      configuration = structuredClone(office);
      configuration.organization.name = `${office.organization.name} ${index}`;
      configuration.users.forEach((user, u) => user.phones?.forEach((phone, p) => (phone.macAddress = mac(index, u, p))));
    } else {
      const users: ChaosUser[] = ['Ann', 'Bob', 'Cas'].map((firstName, u) => ({
        email: `${firstName.toLowerCase()}.${index}@chaos.example`,
        firstName,
        lastName: `Chaos ${index}`,
        internalNumber: String(201 + u),
        phones: [{ macAddress: mac(index, u, 0), model: 'Yealink T54W' }],
      }));
      configuration = {
        version: 1,
        organization: { name: `Chaos customer ${index}` },
        users,
        departments: [{ name: 'Sales', users: users.slice(0, 2).map((user) => user.email), internalNumbers: ['300'] }],
      };
    }
    return {
      index,
      tenant: `chaos${String(index).padStart(4, '0')}`,
      token: `chaos-tenant-token-${String(index).padStart(4, "0")}-x7`,
      organization: index % organizations,
      configuration,
      expected: {
        users: configuration.users.length,
        phones: configuration.users.reduce((sum, user) => sum + (user.phones?.length ?? 0), 0),
      },
    };
  });
}
