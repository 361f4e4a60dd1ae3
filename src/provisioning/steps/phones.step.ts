import { count, type Counts, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { PatchOperation, PhoneView } from '../tenant-gateway.js';
import { isDuplicateError } from '../error-mapping.js';
import { forEachLimited, userOids } from './step-support.js';

/**
 * spec "each phone of a user": an XCCPhone [MAC address] with `provisioningInfo.macAddress` and
 * `phoneType` = model, `user` = the user, added to the user's personal line `phones`; registered at
 * the redirection server when `redirection.url` is set (else skipped, with a warning).
 */
export const phonesStep: StepHandler = async (context) => {
  const user = context.configuration.users.find((u) => u.email === context.step.subject);
  if (!user) throw new StepFailure('INTERNAL_ERROR', `user ${context.step.subject} is not in the configuration`);
  const { userOid, lineOid } = userOids(context, user.email);
  const userOutput = context.journal.output('user', user.email);
  const { tenant } = context;
  const created: Counts = {};
  const updated: Counts = {};
  const found: Counts = {};
  const warnings: string[] = [];

  // A user and line this order has just created have no phones yet: nothing to look up.
  const fresh = context.firstAttempt && userOutput?.createdUser === true && userOutput.createdLine === true;
  const existing: PhoneView[] = fresh ? [] : await tenant.phonesOfUser(userOid);
  const phoneOids: string[] = [];
  await forEachLimited(user.phones, 4, async (phone) => {
    const mine = existing.find((p) => p.macAddress === phone.macAddress);
    if (mine) {
      if (mine.phoneType !== phone.model) {
        await tenant.patchPhone(mine.oid, [{ op: 'replace', path: '/provisioningInfo/phoneType', value: phone.model }]);
        count(updated, 'phone');
      } else count(found, 'phone');
      phoneOids.push(mine.oid);
      return;
    }
    try {
      phoneOids.push(await tenant.createPhone({ commonName: phone.model, userOid, macAddress: phone.macAddress, phoneType: phone.model }));
      count(created, 'phone');
    } catch (error) {
      if (!isDuplicateError(error)) throw error;
      // The MAC address is in use: by a phone an earlier attempt created, or by another one.
      const other = await tenant.phoneByMac(phone.macAddress);
      if (!other) throw error;
      const operations: PatchOperation[] = [];
      if (other.userOid !== userOid) operations.push({ op: 'replace', path: '/user', value: { oid: userOid, objectType: 'UserProfile' } });
      if (other.phoneType !== phone.model) operations.push({ op: 'replace', path: '/provisioningInfo/phoneType', value: phone.model });
      if (operations.length > 0) {
        await tenant.patchPhone(other.oid, operations);
        count(updated, 'phone');
      } else count(found, 'phone');
      phoneOids.push(other.oid);
    }
  });

  const onLine = fresh ? [] : (await tenant.getLine(lineOid)).phoneOids;
  const missing = phoneOids.filter((oid) => !onLine.includes(oid));
  if (missing.length > 0) {
    await tenant.patchLine(
      lineOid,
      missing.map((oid, i) => ({ op: 'add', path: `/phones/${i + 1}`, value: { oid, objectType: 'XCCPhone' } })),
    );
  }

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
  return { oids: { phones: phoneOids }, registered, created, updated, found, warnings };
};
