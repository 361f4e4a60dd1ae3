/**
 * Configurations for tests, examples and benchmarks: deterministic builders of valid documents of
 * any size (the files in examples/ were written with them, see examples/README.md), plus a seeded
 * random generator. Plain JSON data, as a client would send it.
 */

import { mulberry32 } from '../../tools/support/random.js';

export { worstCaseConfiguration } from '../../tools/support/worst-configuration.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

/** A small, seeded PRNG (mulberry32), so that every fuzz run can be repeated from its seed. */
export const random = mulberry32;

const FIRST_NAMES = ['Natsu', 'Lucy', 'Gray', 'Erza', 'Wendy', 'Gajeel', 'Juvia', 'Levy', 'Mira', 'Elfman', 'Lisanna', 'Cana', 'Laxus', 'Makarov', 'Romeo', 'Happy'];
const LAST_NAMES = ['Dragneel', 'Heartfilia', 'Fullbuster', 'Scarlet', 'Marvell', 'Redfox', 'Lockser', 'McGarden', 'Strauss', 'Alberona', 'Dreyar', 'Conbolt'];
const MODELS = ['Yealink T54W', 'Yealink T46U', 'Snom D785', 'Gigaset N670', 'Yealink W73P'];

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** The one in the Provisioning Guide: the smallest valid configuration. */
export function minimalConfiguration(): Json {
  return { version: 1, organization: { name: 'Fairy Tail' } };
}

export interface CompanyOptions {
  users: number;
  departments: number;
  /** Every n-th user has a direct (existing) number; 0: none. */
  directNumberEvery?: number;
  /** Every n-th user has a phone; 0: none. */
  phoneEvery?: number;
  /** Opening hours on every n-th department; 0: none. */
  openingHoursEvery?: number;
  /** Members per department (taken round-robin from the users). */
  membersPerDepartment?: number;
  name?: string;
}

/**
 * A valid company: users with internal numbers 200…, departments with numbers 2000+…, existing
 * numbers +31 15 2xx xxxx (Delft, country NL) in national and international form, new numbers,
 * phones with unique MAC addresses, fallbacks to voicemail, to users and to other departments
 * (never in a loop), opening hours.
 */
export function company(options: CompanyOptions): Json {
  const { users: userCount, departments: departmentCount } = options;
  const directEvery = options.directNumberEvery ?? 3;
  const phoneEvery = options.phoneEvery ?? 1;
  const hoursEvery = options.openingHoursEvery ?? 2;
  const membersPer = options.membersPerDepartment ?? Math.max(1, Math.min(20, Math.floor(userCount / Math.max(1, departmentCount))));
  const domain = 'fairytail.example';

  const users = Array.from({ length: userCount }, (_, i) => {
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length];
    const user: Json = {
      email: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@${domain}`,
      firstName: first,
      lastName: last,
      internalNumber: String(2000 + i),
    };
    if (i % 10 === 0) user.role = 'admin';
    if (i % 4 === 0) user.language = ['nl', 'en', 'de', 'fr'][(i / 4) % 4];
    if (directEvery > 0 && i % directEvery === 0) {
      // Alternate the national and the international way of writing an existing number.
      user.externalNumber =
        i % 2 === 0 ? { new: false, value: `+3115${pad(2100000 + i, 7)}` } : { value: `015 ${pad(2100000 + i, 7)}` };
    } else if (i % 7 === 1) {
      user.externalNumber = { new: true, value: `${first} direct ${i}`, country: 'NL', area: '015' };
    }
    if (i % 2 === 1) user.mobileNumber = `+31 6 ${pad(10000000 + i, 8)}`;
    if (i % 5 === 4) user.voicemail = false;
    if (phoneEvery > 0 && i % phoneEvery === 0) {
      const hex = pad(i, 6).replace(/(..)(..)(..)/, '$1:$2:$3');
      user.phones = [{ macAddress: i % 3 === 0 ? `80:5e:c0:${hex}` : `80-5E-C1-${hex.replace(/:/g, '-')}`, model: MODELS[i % MODELS.length] }];
    }
    return user;
  });

  const departments = Array.from({ length: departmentCount }, (_, d) => {
    const department: Json = {
      name: d === 0 ? 'Reception' : `Department ${d}`,
      users: Array.from({ length: Math.min(membersPer, userCount) }, (_, k) => users[(d * membersPer + k) % userCount]?.email).filter(
        (email, index, all) => email !== undefined && all.indexOf(email) === index,
      ),
      internalNumbers: [String(200 + d)],
      externalNumbers: d === 0 ? [{ new: false, value: '+31152001000' }] : d % 3 === 0 ? [{ new: true, value: `Department ${d} line`, country: 'NL', area: '015' }] : [],
    };
    if (d % 4 === 1) department.enableCallRecording = true;
    // Fallbacks point "down" (to a department with a smaller index, or to the reception), so there is no loop.
    if (d === 0) department.fallback = { type: 'voicemail' };
    else if (d % 3 === 1) department.fallback = { type: 'dept', value: d === 1 ? 'reception' : `Department ${d - 1}` };
    else if (d % 3 === 2 && department.users.length > 0) department.fallback = { type: 'user', value: department.users[0].toUpperCase() };
    if (hoursEvery > 0 && d % hoursEvery === 0) {
      department.openingHours = {
        timezone: 'Europe/Amsterdam',
        days: {
          monday: [{ from: '08:30', to: '12:00' }, { from: '13:00', to: '17:30' }],
          tuesday: [{ from: '08:30', to: '17:30' }],
          wednesday: [{ from: '08:30', to: '17:30' }],
          thursday: [{ from: '08:30', to: '17:30' }],
          friday: [{ from: '08:30', to: '16:00' }],
          ...(d % 4 === 0 ? { saturday: [{ from: '10:00', to: '14:00' }] } : {}),
        },
        holidays: ['2026-01-01', '2026-04-06', '2026-04-27', '2026-12-25', '2026-12-26'],
      };
    }
    return department;
  });

  return {
    version: 1,
    organization: {
      name: options.name ?? 'Fairy Tail',
      email: `info@${domain}`,
      street: 'Oude Delft',
      number: '12',
      numberAddition: 'a',
      zipCode: '2611 CD',
      city: 'Delft',
      country: 'NL',
      ...(departmentCount > 0 || users.some((user) => user.externalNumber) ? { centralPhoneNumber: { new: false, value: departmentCount > 0 ? '015 200 1000' : firstExternal(users) } } : {}),
    },
    users,
    departments,
  };
}

function firstExternal(users: Json[]): string {
  return users.find((user) => user.externalNumber)!.externalNumber.value;
}

/** The small office of the examples: 10 users, 3 departments, opening hours, new and existing numbers, phones. */
export function smallOffice(): Json {
  return company({ users: 10, departments: 3, directNumberEvery: 3, phoneEvery: 1, openingHoursEvery: 1, membersPerDepartment: 4, name: 'Fairy Tail Delft' });
}

export function company200(): Json {
  return company({ users: 200, departments: 20, name: 'Fairy Tail Guild' });
}

export function company2000(): Json {
  return company({ users: 2000, departments: 50, directNumberEvery: 4, phoneEvery: 2, membersPerDepartment: 40, name: 'Fiore Telecom' });
}

