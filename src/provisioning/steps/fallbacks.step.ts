import { count, type Counts, type StepHandler } from '../step-context.js';
import type { PhoneLineChanges } from '../tenant-gateway.js';
import { changesOf, departmentLineOid, forEachLimited, userOids } from './step-support.js';

/**
 * docs/xelion-contract.md "each department", fallback: `dept` → defaultFallback = that department's line; `user` →
 * that user's personal line; `voicemail` → `userPhoneLine.voicemailActive: true`. One PATCH per
 * department whose fallback differs from what its line has.
 */
export const fallbacksStep: StepHandler<'fallbacks'> = async (context) => {
  const updated: Counts = {};
  const found: Counts = {};
  const departments = context.configuration.departments.filter((d) => d.fallback);
  await forEachLimited(departments, 8, async (department) => {
    const fallback = department.fallback!;
    const lineOid = departmentLineOid(context, department.name);
    const state = context.journal.output('department', department.name)?.state;
    const changes: PhoneLineChanges = {};
    if (fallback.type === 'voicemail') {
      if (!state?.voicemailActive || !context.firstAttempt) changes.voicemail = true;
    } else {
      const target = fallback.type === 'dept' ? departmentLineOid(context, fallback.value) : userOids(context, fallback.value).lineOid;
      if (state?.defaultFallbackOid !== target || !context.firstAttempt) changes.defaultFallbackOid = target;
    }
    const update = changesOf(changes);
    if (update) {
      await context.tenant.updateLine(lineOid, update);
      count(updated, 'phoneLine');
    } else count(found, 'phoneLine');
  });
  return { updated, found };
};
