import { Injectable } from '@nestjs/common';
import { XelionClientFactory } from '../xelion/xelion-client.factory.js';
import type { XelionTenantClient } from '../xelion/xelion-tenant.client.js';
import type { PhoneLine, Person, Phone, XelionUser } from '../xelion/xelion.types.js';
import type {
  LineView,
  OrganisationChanges,
  PersonChanges,
  PersonView,
  PhoneLineChanges,
  PhoneView,
  TenantAccess,
  TenantGateway,
  TrunkChanges,
  UserChanges,
  UserView,
} from './tenant-gateway.js';
import { TenantGatewayFactory } from './tenant-gateway.js';

function person(p: Person): PersonView {
  return {
    oid: p.oid,
    givenName: p.givenName,
    familyName: p.familyName,
    telecomAddresses: p.telecomAddresses,
    employerOids: p.employments.map((e) => e.organisation.oid),
  };
}

function line(l: PhoneLine): LineView {
  const mode = l.dayNightMode;
  return {
    oid: l.oid,
    commonName: l.commonName,
    extensions: l.extensions,
    externalNumber: l.externalNumber,
    recordCalls: l.recordCalls,
    voicemailActive: l.voicemailActive,
    users: l.users.map((u) => ({ oid: u.oid, userOid: u.user.oid, incoming: u.incoming, outgoing: u.outgoing })),
    phoneOids: l.phones.map((p) => p.oid),
    defaultFallbackOid: l.defaultFallback?.oid ?? null,
    // Same key order as steps/opening-hours.step.ts builds it, so that the two compare as JSON.
    dayNightMode: mode
      ? {
          enableDayNightMode: mode.enableDayNightMode,
          manualNightMode: mode.manualNightMode,
          nightLineOid: mode.nightLine?.oid ?? '',
          timezone: mode.timezone ?? '',
          schedule: mode.schedule.map((s) => ({ day: s.day, from: s.from, to: s.to })),
          holidays: [...mode.holidays],
        }
      : null,
  };
}

function user(u: XelionUser): UserView {
  return { oid: u.oid, userName: u.userName, personOid: u.person?.oid ?? null, primaryLineOid: u.primaryLine?.oid ?? null, xccRole: u.xccRole, active: u.active };
}

function phone(p: Phone): PhoneView {
  return { oid: p.oid, macAddress: p.macAddress, phoneType: p.phoneType, userOid: p.user?.oid ?? null, userName: p.user?.commonName ?? null };
}

/** The steps' view of a tenant, on the Xelion client (the only code that knows Xelion's JSON). */
class XelionTenantGateway implements TenantGateway {
  constructor(private readonly client: XelionTenantClient) {}

  async about() {
    const version = await this.client.serverVersion();
    const me = await this.client.me();
    return {
      apiVersionMajor: version.apiVersionMajor,
      apiVersionMinor: typeof version.apiVersionMinor === 'number' ? version.apiVersionMinor : 0,
      userName: me.userName,
      isAdministrator: typeof me.isAdministrator === 'boolean' ? me.isAdministrator : null,
    };
  }
  async readUsers(maxPages?: number) {
    const { items, complete } = await this.client.listUsers(maxPages);
    return { items: items.map(user), complete };
  }
  async readPersons(maxPages?: number) {
    const { items, complete } = await this.client.listPersons(maxPages);
    return { items: items.map(person), complete };
  }
  async readLines(maxPages?: number) {
    const { items, complete } = await this.client.listPhoneLines(maxPages);
    return { items: items.map(line), complete };
  }
  async readPhones() {
    return (await this.client.listPhones()).map(phone);
  }
  findOrganisations(name: string) {
    return this.client.findOrganisations(name);
  }
  async createOrganisation(input: Parameters<TenantGateway['createOrganisation']>[0]) {
    return (await this.client.createOrganisation(input)).oid;
  }
  async getPerson(oid: string) {
    return person(await this.client.getPerson(oid));
  }
  async findPersons(commonName: string) {
    return (await this.client.findPersons(commonName)).map(person);
  }
  async createPerson(input: Parameters<TenantGateway['createPerson']>[0]) {
    return (await this.client.createPerson(input)).oid;
  }
  updateOrganisation(oid: string, changes: OrganisationChanges) {
    return this.client.updateOrganisation(oid, changes);
  }
  updatePerson(oid: string, changes: PersonChanges) {
    return this.client.updatePerson(oid, changes);
  }
  async findUser(userName: string) {
    const found = await this.client.findUser(userName);
    return found ? user(found) : null;
  }
  async createUser(input: Parameters<TenantGateway['createUser']>[0]) {
    return (await this.client.createUser(input)).oid;
  }
  updateUser(oid: string, changes: UserChanges) {
    return this.client.updateUser(oid, changes);
  }
  async getLine(oid: string) {
    return line(await this.client.getPhoneLine(oid));
  }
  async findLines(commonName: string) {
    return (await this.client.findPhoneLines(commonName)).map(line);
  }
  async createLine(input: Parameters<TenantGateway['createLine']>[0]) {
    return (await this.client.createPhoneLine(input)).oid;
  }
  updateLine(oid: string, changes: PhoneLineChanges) {
    return this.client.updatePhoneLine(oid, changes);
  }
  async phonesOfUser(userOid: string) {
    return (await this.client.findPhonesOfUser(userOid)).map(phone);
  }
  async phoneByMac(macAddress: string) {
    const found = await this.client.findPhoneByMac(macAddress);
    return found ? phone(found) : null;
  }
  async createPhone(input: Parameters<TenantGateway['createPhone']>[0]) {
    return (await this.client.createPhone(input)).oid;
  }
  async trunks() {
    return (await this.client.listTrunks()).map((t) => ({
      oid: t.oid,
      assignedNumbers: t.assignedNumbers.map((a) => ({ oid: a.oid, number: a.number, lineOid: a.line?.oid ?? null })),
      defaultCallerNr: t.defaultCallerNr,
    }));
  }
  async createTrunk(input: Parameters<TenantGateway['createTrunk']>[0]) {
    return (await this.client.createTrunk(input)).oid;
  }
  updateTrunk(oid: string, changes: TrunkChanges) {
    return this.client.updateTrunk(oid, changes);
  }
}

@Injectable()
export class XelionTenantGatewayFactory extends TenantGatewayFactory {
  constructor(private readonly clients: XelionClientFactory) {
    super();
  }

  forTenant(access: TenantAccess): TenantGateway {
    return new XelionTenantGateway(this.clients.forTenant(access));
  }
}
