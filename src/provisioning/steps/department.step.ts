import type { ConfigurationDepartment } from '../../configuration/configuration.types.js';
import { count, type Counts, type LineState, type StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { LineView, PhoneLineChanges } from '../tenant-gateway.js';
import { changesOf, missingExtensions, resolveNumber, userOids } from './step-support.js';

/** What later steps (fallbacks, opening hours) need to know of a line without reading it again. */
function lineState(line: LineView | null): LineState {
  return {
    defaultFallbackOid: line?.defaultFallbackOid ?? null,
    voicemailActive: line?.voicemailActive ?? false,
    dayNightMode: line?.dayNightMode ?? null,
  };
}

/**
 * What differs between a department's line and the configuration; undefined when nothing does. Members
 * (`userOid`s) and extensions that are missing are added, members answer incoming calls only; nothing
 * is removed.
 */
export function departmentLineChanges(
  existing: LineView,
  department: ConfigurationDepartment,
  members: string[],
  externalNumber: string | null,
): PhoneLineChanges | undefined {
  const changes: PhoneLineChanges = { addExtensions: missingExtensions(existing, department.internalNumbers), addUsers: [], userDirections: [] };
  for (const userOid of members) {
    const relation = existing.users.find((u) => u.userOid === userOid);
    if (!relation) changes.addUsers!.push({ userOid, incoming: true, outgoing: false });
    else if (!relation.incoming || relation.outgoing) changes.userDirections!.push({ relationOid: relation.oid, incoming: true, outgoing: false });
  }
  if (existing.recordCalls !== department.enableCallRecording) changes.recordCalls = department.enableCallRecording;
  if (externalNumber && existing.externalNumber !== externalNumber) changes.externalNumber = externalNumber;
  return changesOf(changes);
}

/**
 * docs/xelion-contract.md "each department": a phone line [commonName = department name] with its internal numbers, its
 * members (incoming, not outgoing), call recording and its first external number. Found by name
 * first; members, extensions and settings that are missing are added, nothing is removed.
 */
export const departmentStep: StepHandler<'department'> = async (context) => {
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
  const update = departmentLineChanges(existing, department, members, externalNumber);
  if (update) {
    await context.tenant.updateLine(existing.oid, update);
    count(updated, 'phoneLine');
  } else count(found, 'phoneLine');
  return { oids: { line: existing.oid }, state: lineState(existing), created, updated, found };
};
