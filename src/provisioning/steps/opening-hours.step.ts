import type { OpeningHours } from '../../configuration/configuration.types.js';
import { count, type Counts, type StepHandler } from '../step-context.js';
import type { DayNightMode } from '../tenant-gateway.js';
import { closedLineOid, departmentLineOid, forEachLimited } from './step-support.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type Day = Uppercase<(typeof DAYS)[number]>;

export function dayNightMode(hours: OpeningHours, closedLineOid: string): DayNightMode {
  return {
    enableDayNightMode: true,
    manualNightMode: false,
    nightLineOid: closedLineOid,
    timezone: hours.timezone,
    schedule: DAYS.flatMap((day) => (hours.days?.[day] ?? []).map((interval) => ({ day: day.toUpperCase() as Day, from: interval.from, to: interval.to }))),
    holidays: [...(hours.holidays ?? [])],
  };
}

/**
 * docs/xelion-contract.md "opening hours of a department": its line's `dayNightMode` (schedule, time zone, holidays)
 * with `nightLine` = the organization's closed line. One PATCH per department whose mode differs.
 */
export const openingHoursStep: StepHandler<'openingHours'> = async (context) => {
  const nightLineOid = closedLineOid(context);
  const updated: Counts = {};
  const found: Counts = {};
  const departments = context.configuration.departments.filter((d) => d.openingHours);
  await forEachLimited(departments, 8, async (department) => {
    const lineOid = departmentLineOid(context, department.name);
    const wanted = dayNightMode(department.openingHours!, nightLineOid);
    const state = context.journal.output('department', department.name)?.state;
    if (context.firstAttempt && JSON.stringify(state?.dayNightMode ?? null) === JSON.stringify(wanted)) {
      count(found, 'phoneLine');
      return;
    }
    await context.tenant.updateLine(lineOid, { dayNightMode: wanted });
    count(updated, 'phoneLine');
  });
  return { updated, found };
};
