import { XelionDuplicateError } from '../../xelion/xelion.errors.js';
import { count, type Counts, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { PhoneView } from '../tenant-gateway.js';
import { forEachLimited, userOids } from './step-support.js';

/**
 * docs/provisioning.md, "each phone of a user": an XCCPhone [MAC address] with the model as its type,
 * `user` = the user, added to the user's personal line; registered at the redirection server when
 * `redirection.url` is set (else skipped, with a warning).
 *
 * Xelion offers no way to change a phone once it exists: a phone of this user whose type differs is
 * kept with a warning, and a MAC address held by a phone of another user (or of none) fails the step
 * with PHONE_IN_USE naming the MAC and its holder; nothing is taken from anyone.
 */
export const phonesStep: StepHandler<'phones'> = async (context) => {
  const user = context.configuration.users.find((u) => u.email === context.step.subject);
  if (!user) throw new StepFailure('INTERNAL_ERROR', `user ${context.step.subject} is not in the configuration`);
  const { userOid, lineOid } = userOids(context, user.email);
  const userOutput = context.journal.output('user', user.email);
  const { tenant } = context;
  const created: Counts = {};
  const found: Counts = {};
  const warnings: string[] = [];

  // A user and line this order has just created have no phones yet: nothing to look up.
  const fresh = context.firstAttempt && userOutput?.createdUser === true && userOutput.createdLine === true;
  let existing: PhoneView[] = fresh ? [] : await tenant.phonesOfUser(userOid);
  const phoneOids: string[] = [];
  const keep = (phone: PhoneView, model: string) => {
    if (phone.phoneType !== model) {
      warnings.push(`phone ${phone.macAddress} of ${user.email} is a "${phone.phoneType ?? 'unknown'}" in the tenant, not a "${model}": Xelion offers no way to change a phone's type`);
    }
    count(found, 'phone');
    phoneOids.push(phone.oid);
  };
  await forEachLimited(user.phones, 4, async (phone) => {
    const mine = existing.find((p) => p.macAddress === phone.macAddress);
    if (mine) return keep(mine, phone.model);
    try {
      phoneOids.push(await tenant.createPhone({ commonName: phone.model, userOid, macAddress: phone.macAddress, phoneType: phone.model }));
      count(created, 'phone');
    } catch (error) {
      if (!(error instanceof XelionDuplicateError)) throw error;
      // The MAC address may be in use: by a phone of this user (an earlier attempt made it) …
      existing = await tenant.phonesOfUser(userOid);
      const made = existing.find((p) => p.macAddress === phone.macAddress);
      if (made) return keep(made, phone.model);
      // … or by a phone of someone else, which is not ours to take.
      const holder = await tenant.phoneByMac(phone.macAddress);
      if (!holder) throw error;
      const who = holder.userOid === null ? 'no user' : `user ${holder.userName ? `"${holder.userName}" ` : ''}(oid ${holder.userOid})`;
      throw new StepFailure('PHONE_IN_USE', `the MAC address ${phone.macAddress} of ${user.email} belongs to a phone of ${who} in the tenant`);
    }
  });

  const onLine = fresh ? [] : (await tenant.getLine(lineOid)).phoneOids;
  const missing = phoneOids.filter((oid) => !onLine.includes(oid));
  if (missing.length > 0) await tenant.updateLine(lineOid, { addPhones: missing });

  // Redirection (optional): skipped with a warning when `redirection.url` is not set.
  let registered = 0;
  for (const phone of user.phones) {
    const done = await context.services.registerPhone(context.order.organizationId, {
      macAddress: phone.macAddress,
      provisioningUrl: `${context.order.serverUrl}/provisioning/${context.order.tenantName}`,
      label: phone.model,
    });
    if (!done) {
      warnings.push(`phones of ${user.email} were not registered at a redirection server: credential "redirection.url" is not set`);
      break;
    }
    registered++;
  }
  return { oids: { phones: phoneOids }, registered, created, found, warnings };
};
