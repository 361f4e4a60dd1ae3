import type { Configuration, ExternalNumber } from './configuration-view.js';

/**
 * The journal of an order: the steps derived from its configuration when the order is created
 * (issue 5: "preflight, organization, users, lines, departments, fallbacks, opening hours, numbers,
 * phones"). Steps of one stage are independent of each other and run in parallel; a stage starts
 * when every step of the stages before it is done. A retried or taken-over order continues at the
 * first unfinished step.
 *
 *   0 preflight                      server reachable, token accepted
 *   1 numbers                        new numbers reserved at the number provider (only if any;
 *                                    before the organization, whose central number may be new)
 *   2 organization                   the Organisation addressable
 *   3 user <e-mail> (one per user)   Person, personal phone line, UserProfile
 *     closed line                    the organization's "closed" line (only if opening hours)
 *   4 department <name> (one each)   the department's line and members
 *   5 phones <e-mail> (one per user with phones)   XCCPhones, redirection registration
 *     fallbacks                      department fallbacks (only if any)
 *     opening hours                  departments' day/night mode (only if any)
 *   6 trunk                          SIP trunk, external numbers and default caller number (only if any)
 */
export type StepKind =
  | 'preflight'
  | 'organization'
  | 'numbers'
  | 'user'
  | 'closedLine'
  | 'department'
  | 'phones'
  | 'fallbacks'
  | 'openingHours'
  | 'trunk';

export interface PlannedStep {
  seq: number;
  stage: number;
  kind: StepKind;
  /** The user's e-mail or the department's name, for per-object steps. */
  subject: string | null;
  name: string;
}

export function allExternalNumbers(configuration: Configuration): ExternalNumber[] {
  return [
    ...configuration.users.flatMap((user) => (user.externalNumber ? [user.externalNumber] : [])),
    ...configuration.departments.flatMap((department) => department.externalNumbers ?? []),
  ];
}

export function planSteps(configuration: Configuration): PlannedStep[] {
  const steps: Omit<PlannedStep, 'seq'>[] = [];
  const add = (stage: number, kind: StepKind, subject: string | null, name: string) => steps.push({ stage, kind, subject, name });
  const numbers = allExternalNumbers(configuration);
  const withOpeningHours = configuration.departments.some((department) => department.openingHours);

  add(0, 'preflight', null, 'preflight');
  if (numbers.some((number) => number.new)) add(1, 'numbers', null, 'numbers');
  add(2, 'organization', null, 'organization');
  for (const user of configuration.users) add(3, 'user', user.email, `user ${user.email}`);
  if (withOpeningHours) add(3, 'closedLine', null, 'closed line');
  for (const department of configuration.departments) add(4, 'department', department.name, `department ${department.name}`);
  for (const user of configuration.users) {
    if ((user.phones ?? []).length > 0) add(5, 'phones', user.email, `phones ${user.email}`);
  }
  if (configuration.departments.some((department) => department.fallback)) add(5, 'fallbacks', null, 'fallbacks');
  if (withOpeningHours) add(5, 'openingHours', null, 'opening hours');
  if (numbers.length > 0) add(6, 'trunk', null, 'trunk');
  return steps.map((step, index) => ({ ...step, seq: index + 1 }));
}
