import { count, type Counts, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { LineView, PatchOperation } from '../tenant-gateway.js';
import { addMissingExtensions, resolveNumber, userOids } from './step-support.js';

/** What later steps (fallbacks, opening hours) need to know of a line without reading it again. */
export function lineState(line: LineView | null) {
  return {
    defaultFallbackOid: line?.defaultFallbackOid ?? null,
    voicemailActive: line?.voicemailActive ?? false,
    dayNightMode: line?.dayNightMode ?? null,
  };
}

/**
 * spec "each department": a phone line [commonName = department name] with its internal numbers, its
 * members (incoming, not outgoing), call recording and its first external number. Found by name
 * first; members, extensions and settings that are missing are added, nothing is removed.
 */
export const departmentStep: StepHandler = async (context) => {
  const department = context.configuration.departments.find((d) => d.name === context.step.subject);
  if (!department) throw new StepFailure('INTERNAL_ERROR', `department ${context.step.subject} is not in the configuration`);
  const members = department.users.map((email) => userOids(context, email).userOid);
  const externalNumber = department.externalNumbers[0] ? resolveNumber(context, department.externalNumbers[0]) : null;
  const created: Counts = {};
  const updated: Counts = {};
  const found: Counts = {};

  const [existing] = await context.tenant.findLines(department.name);
  if (!existing) {
    const oid = await context.tenant.createLine({
      commonName: department.name,
      extensions: department.internalNumbers,
      externalNumber,
      users: members.map((userOid) => ({ userOid, incoming: true, outgoing: false })),
      recordCalls: department.enableCallRecording,
    });
    count(created, 'phoneLine');
    return { oids: { line: oid }, state: lineState(null), created };
  }
  const vid = { next: 1 };
  const operations: PatchOperation[] = addMissingExtensions(existing, department.internalNumbers, vid);
  for (const userOid of members) {
    const relation = existing.users.find((u) => u.userOid === userOid);
    if (!relation) {
      const id = vid.next++;
      operations.push(
        { op: 'add', path: `/users/${id}`, value: { oid: userOid, objectType: 'UserProfile' } },
        { op: 'replace', path: `/users/${id}/incoming`, value: true },
        { op: 'replace', path: `/users/${id}/outgoing`, value: false },
      );
    } else {
      if (!relation.incoming) operations.push({ op: 'replace', path: `/users/${relation.oid}/incoming`, value: true });
      if (relation.outgoing) operations.push({ op: 'replace', path: `/users/${relation.oid}/outgoing`, value: false });
    }
  }
  if (existing.recordCalls !== department.enableCallRecording) {
    operations.push({ op: 'replace', path: '/recordCalls', value: department.enableCallRecording });
  }
  if (externalNumber && existing.externalNumber !== externalNumber) operations.push({ op: 'replace', path: '/externalNumber', value: externalNumber });
  if (operations.length > 0) {
    await context.tenant.patchLine(existing.oid, operations);
    count(updated, 'phoneLine');
  } else count(found, 'phoneLine');
  return { oids: { line: existing.oid }, state: lineState(existing), created, updated, found };
};
