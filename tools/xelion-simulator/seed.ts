import { createAddressable, createPhoneLine, createUser } from './model.js';
import type { RunningSimulator } from './simulator.js';

export interface SeededUser {
  userName: string;
  givenName: string;
  familyName: string;
  extension: string;
}

/**
 * Fills a simulator tenant with `count` users made as the contract makes them (a Person, a personal line
 * with one extension, a UserProfile on that line), straight into the simulator's model: a large tenant in
 * milliseconds, for tests and benchmarks of reading one. User `i` is `seed{i}@{domain}`, "Seed Person{i}",
 * with extension `firstExtension + i`.
 */
export function seedUsers(sim: RunningSimulator, tenant: string, count: number, options: { domain?: string; firstExtension?: number } = {}): SeededUser[] {
  const state = sim.state.tenant(tenant);
  const domain = options.domain ?? 'seed.example';
  const first = options.firstExtension ?? 5000;
  const seeded: SeededUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const user: SeededUser = { userName: `seed${i}@${domain}`, givenName: 'Seed', familyName: `Person${i}`, extension: String(first + i) };
    const person = createAddressable(state, {
      objectType: 'Person',
      givenName: user.givenName,
      familyName: user.familyName,
      telecomAddresses: [{ addressType: 'Email', address: user.userName }],
    });
    const line = createPhoneLine(state, { objectType: 'XCCPhoneLine', commonName: `${user.givenName} ${user.familyName}`, extensions: [{ address: user.extension }] });
    createUser(state, {
      objectType: 'UserProfile',
      userName: user.userName,
      password: 'Seeded-Passw0rd!',
      active: true,
      xccRole: 'user',
      userLicense: true,
      person: { oid: person.oid, objectType: 'Person' },
      lines: [
        { objectType: 'XCCConnectedUser', line: { oid: line.oid, objectType: 'XCCPhoneLine' }, orderNumber: 1, incoming: true, outgoing: true, editable: 'INCOMINGANDOUTGOING' },
      ],
    });
    seeded.push(user);
  }
  return seeded;
}
