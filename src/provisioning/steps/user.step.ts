import type { ConfiguredUser } from '../configuration-view.js';
import { count, type Counts, type StepContext, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { LineView, PatchOperation, PersonView, TelecomAddress } from '../tenant-gateway.js';
import { addMissingExtensions, personalLineName, resolveNumber } from './step-support.js';

function telecomOf(user: ConfiguredUser): TelecomAddress[] {
  const telecom: TelecomAddress[] = [{ addressType: 'Email', address: user.email }];
  if (user.mobileNumber) telecom.push({ addressType: 'Mobile', address: user.mobileNumber });
  return telecom;
}

/** What differs between a person and the configuration, as operations (employment added, never removed). */
function personOperations(person: PersonView, user: ConfiguredUser, organisationOid: string): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if ((person.givenName ?? null) !== (user.firstName ?? null)) operations.push({ op: 'replace', path: '/givenName', value: user.firstName ?? null });
  if (person.familyName !== user.lastName) operations.push({ op: 'replace', path: '/familyName', value: user.lastName });
  const wanted = telecomOf(user);
  const missing = wanted.filter((t) => !person.telecomAddresses.some((e) => e.addressType === t.addressType && e.address.toLowerCase() === t.address.toLowerCase()));
  if (missing.length > 0) operations.push({ op: 'replace', path: '/telecomAddresses', value: [...person.telecomAddresses, ...missing] });
  if (!person.employerOids.includes(organisationOid)) {
    operations.push({ op: 'add', path: '/employments/1', value: { oid: organisationOid, objectType: 'Organisation' } });
  }
  return operations;
}

/** What differs between the personal line and the configuration. */
function lineOperations(line: LineView, user: ConfiguredUser, externalNumber: string | null): PatchOperation[] {
  const operations: PatchOperation[] = [];
  const name = personalLineName(user);
  if (line.commonName !== name) operations.push({ op: 'replace', path: '/commonName', value: name });
  operations.push(...addMissingExtensions(line, user.internalNumber ? [user.internalNumber] : [], { next: 1 }));
  if (externalNumber && line.externalNumber !== externalNumber) operations.push({ op: 'replace', path: '/externalNumber', value: externalNumber });
  if (line.voicemailActive !== user.voicemail) operations.push({ op: 'replace', path: '/userPhoneLine/voicemailActive', value: user.voicemail });
  return operations;
}

/**
 * spec "each user": a Person (employed by the Organisation), a UserProfile [userName = e-mail] and a
 * personal phone line [the user's primaryLine] with the internal and external number and voicemail.
 *
 * On a fresh tenant: look the user up, create the person, the line, the user (connected to the line,
 * which makes it the primary line), and switch voicemail on: 4 or 5 calls. When the user exists, its
 * person and primary line are read and what differs is patched. On a later attempt of this step
 * (crash, take-over, retry), a person or line that an earlier attempt created but did not journal is
 * found by name before anything is created, so nothing is duplicated.
 */
export const userStep: StepHandler = async (context) => {
  const user = context.configuration.users.find((u) => u.email === context.step.subject);
  if (!user) throw new StepFailure('INTERNAL_ERROR', `user ${context.step.subject} is not in the configuration`);
  const organisationOid = context.journal.oid('organization', null, 'organisation')!;
  const externalNumber = user.externalNumber ? resolveNumber(context, user.externalNumber) : null;
  const created: Counts = {};
  const updated: Counts = {};
  const found: Counts = {};
  const { tenant } = context;
  const role = user.role === 'admin' ? 'administrator' : 'user';

  const existing = await tenant.findUser(user.email);
  if (existing) {
    const userOps: PatchOperation[] = [];
    if (existing.xccRole !== role) userOps.push({ op: 'replace', path: '/xccRole', value: role });
    if (!existing.active) userOps.push({ op: 'replace', path: '/active', value: true });
    if (userOps.length > 0) {
      await tenant.patchUser(existing.oid, userOps);
      count(updated, 'user');
    } else count(found, 'user');

    let personOid = existing.personOid;
    if (personOid) {
      const ops = personOperations(await tenant.getPerson(personOid), user, organisationOid);
      if (ops.length > 0) {
        await tenant.patchAddressable(personOid, ops);
        count(updated, 'person');
      } else count(found, 'person');
    } else {
      personOid = null;
    }

    let lineOid = existing.primaryLineOid;
    if (lineOid) {
      const ops = lineOperations(await tenant.getLine(lineOid), user, externalNumber);
      if (ops.length > 0) {
        await tenant.patchLine(lineOid, ops);
        count(updated, 'phoneLine');
      } else count(found, 'phoneLine');
    } else {
      lineOid = await createLine(context, user, externalNumber, existing.oid);
      count(created, 'phoneLine');
    }
    return { oids: { user: existing.oid, person: personOid, line: lineOid }, createdUser: false, createdLine: !existing.primaryLineOid, created, updated, found };
  }

  // A person or line an earlier attempt created: found by name, not yet anyone's.
  let personOid: string | undefined;
  let line: LineView | undefined;
  if (!context.firstAttempt) {
    const persons = await tenant.findPersons(personalLineName(user) || user.lastName);
    const person = persons.find((p) => p.telecomAddresses.some((t) => t.addressType === 'Email' && t.address.toLowerCase() === user.email));
    if (person) {
      personOid = person.oid;
      const ops = personOperations(person, user, organisationOid);
      if (ops.length > 0) await tenant.patchAddressable(person.oid, ops);
      count(found, 'person');
    }
    const lines = await tenant.findLines(personalLineName(user));
    line = lines.find((l) => l.users.length === 0 && (!user.internalNumber || l.extensions.some((e) => e.address === user.internalNumber)));
  }
  if (!personOid) {
    personOid = await tenant.createPerson({
      givenName: user.firstName ?? null,
      familyName: user.lastName,
      telecomAddresses: telecomOf(user),
      organisationOid,
    });
    count(created, 'person');
  }
  let lineOid: string;
  let voicemailActive = false;
  if (line) {
    lineOid = line.oid;
    voicemailActive = line.voicemailActive;
    const ops = lineOperations(line, user, externalNumber).filter((op) => op.path !== '/userPhoneLine/voicemailActive');
    if (ops.length > 0) await tenant.patchLine(lineOid, ops);
    count(found, 'phoneLine');
  } else {
    lineOid = await tenant.createLine({ commonName: personalLineName(user), extensions: user.internalNumber ? [user.internalNumber] : [], externalNumber });
    count(created, 'phoneLine');
  }
  const userOid = await tenant.createUser({ userName: user.email, xccRole: role, personOid, lineOid });
  count(created, 'user');
  // A new line has voicemail off; spec: `userPhoneLine.voicemailActive` = `voicemail`.
  if (voicemailActive !== user.voicemail) await tenant.patchLine(lineOid, [{ op: 'replace', path: '/userPhoneLine/voicemailActive', value: user.voicemail }]);
  return { oids: { user: userOid, person: personOid, line: lineOid }, createdUser: true, createdLine: !line, created, updated, found };
};

async function createLine(context: StepContext, user: ConfiguredUser, externalNumber: string | null, userOid: string): Promise<string> {
  const oid = await context.tenant.createLine({
    commonName: personalLineName(user),
    extensions: user.internalNumber ? [user.internalNumber] : [],
    externalNumber,
    users: [{ userOid, incoming: true, outgoing: true }],
  });
  if (user.voicemail) await context.tenant.patchLine(oid, [{ op: 'replace', path: '/userPhoneLine/voicemailActive', value: true }]);
  return oid;
}
