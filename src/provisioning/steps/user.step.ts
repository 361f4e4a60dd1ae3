import type { ConfigurationUser } from '../../configuration/configuration.types.js';
import { count, type Counts, type StepContext, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { LineView, PersonChanges, PersonView, PhoneLineChanges, TelecomAddress, UserChanges } from '../tenant-gateway.js';
import { changesOf, missingExtensions, organisationOid as organisationOfOrder, personalLineName, resolveNumber } from './step-support.js';

export function telecomOf(user: ConfigurationUser): TelecomAddress[] {
  const telecom: TelecomAddress[] = [{ addressType: 'Email', address: user.email }];
  if (user.mobileNumber) telecom.push({ addressType: 'Mobile', address: user.mobileNumber });
  return telecom;
}

/** What differs between a person and the configuration (an employment is added, never removed); undefined when nothing does. */
export function personChanges(person: PersonView, user: ConfigurationUser, organisationOid: string): PersonChanges | undefined {
  const wanted = telecomOf(user);
  const missing = wanted.filter((t) => !person.telecomAddresses.some((e) => e.addressType === t.addressType && e.address.toLowerCase() === t.address.toLowerCase()));
  return changesOf<PersonChanges>({
    givenName: (person.givenName ?? null) !== (user.firstName ?? null) ? (user.firstName ?? null) : undefined,
    familyName: person.familyName !== user.lastName ? user.lastName : undefined,
    telecomAddresses: missing.length > 0 ? [...person.telecomAddresses, ...missing] : undefined,
    employBy: person.employerOids.includes(organisationOid) ? undefined : organisationOid,
  });
}

/** What differs between the personal line and the configuration; undefined when nothing does. */
export function personalLineChanges(line: LineView, user: ConfigurationUser, externalNumber: string | null): PhoneLineChanges | undefined {
  const name = personalLineName(user);
  return changesOf<PhoneLineChanges>({
    commonName: line.commonName !== name ? name : undefined,
    addExtensions: missingExtensions(line, user.internalNumber ? [user.internalNumber] : []),
    externalNumber: externalNumber && line.externalNumber !== externalNumber ? externalNumber : undefined,
    voicemail: line.voicemailActive !== user.voicemail ? user.voicemail : undefined,
  });
}

/**
 * docs/xelion-contract.md "each user": a Person (employed by the Organisation), a UserProfile [userName = e-mail] and a
 * personal phone line [the user's primaryLine] with the internal and external number and voicemail.
 *
 * On a fresh tenant: look the user up, create the person, the line, the user (connected to the line,
 * which makes it the primary line), and switch voicemail on: 4 or 5 calls. When the user exists, its
 * person and primary line are read and what differs is patched. On a later attempt of this step
 * (crash, take-over, retry), a person or line that an earlier attempt created but did not journal is
 * found by name before anything is created, so nothing is duplicated.
 */
export const userStep: StepHandler<'user'> = async (context) => {
  const user = context.configuration.users.find((u) => u.email === context.step.subject);
  if (!user) throw new StepFailure('INTERNAL_ERROR', `user ${context.step.subject} is not in the configuration`);
  const organisationOid = organisationOfOrder(context);
  const externalNumber = user.externalNumber ? resolveNumber(context, user.externalNumber) : null;
  const created: Counts = {};
  const updated: Counts = {};
  const found: Counts = {};
  const { tenant } = context;
  const role = user.role === 'admin' ? 'administrator' : 'user';

  const existing = await tenant.findUser(user.email);
  if (existing) {
    const userChanges = changesOf<UserChanges>({ xccRole: existing.xccRole !== role ? role : undefined, active: existing.active ? undefined : true });
    if (userChanges) {
      await tenant.updateUser(existing.oid, userChanges);
      count(updated, 'user');
    } else count(found, 'user');

    let personOid = existing.personOid;
    if (personOid) {
      const changes = personChanges(await tenant.getPerson(personOid), user, organisationOid);
      if (changes) {
        await tenant.updatePerson(personOid, changes);
        count(updated, 'person');
      } else count(found, 'person');
    } else {
      personOid = null;
    }

    let lineOid = existing.primaryLineOid;
    if (lineOid) {
      const changes = personalLineChanges(await tenant.getLine(lineOid), user, externalNumber);
      if (changes) {
        await tenant.updateLine(lineOid, changes);
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
      const changes = personChanges(person, user, organisationOid);
      if (changes) await tenant.updatePerson(person.oid, changes);
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
    // Voicemail is set after the user exists, below.
    const changes = changesOf({ ...personalLineChanges(line, user, externalNumber), voicemail: undefined });
    if (changes) await tenant.updateLine(lineOid, changes);
    count(found, 'phoneLine');
  } else {
    lineOid = await tenant.createLine({ commonName: personalLineName(user), extensions: user.internalNumber ? [user.internalNumber] : [], externalNumber });
    count(created, 'phoneLine');
  }
  const userOid = await tenant.createUser({ userName: user.email, xccRole: role, personOid, lineOid });
  count(created, 'user');
  // A new line has voicemail off; docs/xelion-contract.md: `userPhoneLine.voicemailActive` = `voicemail`.
  if (voicemailActive !== user.voicemail) await tenant.updateLine(lineOid, { voicemail: user.voicemail });
  return { oids: { user: userOid, person: personOid, line: lineOid }, createdUser: true, createdLine: !line, created, updated, found };
};

async function createLine(context: StepContext, user: ConfigurationUser, externalNumber: string | null, userOid: string): Promise<string> {
  const oid = await context.tenant.createLine({
    commonName: personalLineName(user),
    extensions: user.internalNumber ? [user.internalNumber] : [],
    externalNumber,
    users: [{ userOid, incoming: true, outgoing: true }],
  });
  if (user.voicemail) await context.tenant.updateLine(oid, { voicemail: true });
  return oid;
}
