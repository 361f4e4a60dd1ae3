import type { Configuration, ExternalNumber } from '../configuration/configuration.types.js';

/**
 * The journal of an order: the steps derived from its configuration when the order is created
 * (docs/provisioning.md, "The journal of steps"). The stage orders the journal (and documents what comes after what); the executor does
 * not wait for a whole stage: a step starts as soon as the steps it reads from are done
 * (`stepDependencies`), so that the per-tenant Xelion slots stay busy across stage boundaries. A
 * retried or taken-over order continues with its unfinished steps.
 *
 *     tenant                         park orders only, before everything (the others' stages one later):
 *                                    a tenant taken from the park, named, licensed, started, logged in to
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
  | 'tenant'
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

/** `park`: the order takes its tenant from a park first (docs/provisioning.md, "Park orders"). */
export function planSteps(configuration: Configuration, options: { park?: boolean } = {}): PlannedStep[] {
  const steps: Omit<PlannedStep, 'seq'>[] = [];
  const shift = options.park ? 1 : 0;
  const add = (stage: number, kind: StepKind, subject: string | null, name: string) => steps.push({ stage: stage + shift, kind, subject, name });
  if (options.park) steps.push({ stage: 0, kind: 'tenant', subject: null, name: 'tenant' });
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

/** What the scheduler needs of a journal step to derive its dependencies. */
export interface StepRef {
  seq: number;
  stage: number;
  kind: string;
  subject: string | null;
}

/**
 * The steps each step reads from (through `context.journal`), by seq: a step may start once these are
 * done. Every dependency is on an earlier stage, so the stages remain a valid order.
 *
 *   numbers        preflight
 *   organization   preflight, numbers (its central number may be new)
 *   user X         organization (the person's organisation), numbers (its external number)
 *   closed line    organization
 *   department D   organization, numbers, the users that are its members
 *   phones X       user X (its personal line)
 *   fallbacks      every department with a fallback, the departments and users it points to
 *   opening hours  closed line, every department with opening hours
 *   trunk          numbers, the users and departments with external numbers (their lines)
 *
 * A kind this function does not know waits for every step of the stages before it.
 */
export function stepDependencies(steps: StepRef[], configuration: Configuration): Map<number, number[]> {
  const bySubject = new Map<string, number>();
  for (const step of steps) bySubject.set(`${step.kind}\u0000${step.subject ?? ''}`, step.seq);
  const seqOf = (kind: StepKind, subject: string | null = null) => bySubject.get(`${kind}\u0000${subject ?? ''}`);
  const users = (emails: Iterable<string>) => [...emails].map((email) => seqOf('user', email));
  const departments = (names: Iterable<string>) => [...names].map((name) => seqOf('department', name));
  const stageOf = new Map(steps.map((step) => [step.seq, step.stage]));
  const base = [seqOf('preflight'), seqOf('numbers'), seqOf('organization')];

  const result = new Map<number, number[]>();
  for (const step of steps) {
    let wanted: (number | undefined)[];
    switch (step.kind as StepKind) {
      case 'tenant':
        wanted = [];
        break;
      case 'preflight':
        wanted = [seqOf('tenant')];
        break;
      case 'numbers':
        wanted = [seqOf('preflight')];
        break;
      case 'organization':
      case 'user':
      case 'closedLine':
        wanted = base;
        break;
      case 'department': {
        const department = configuration.departments.find((d) => d.name === step.subject);
        wanted = [...base, ...users(department?.users ?? [])];
        break;
      }
      case 'phones':
        wanted = [...base, seqOf('user', step.subject)];
        break;
      case 'fallbacks': {
        const withFallback = configuration.departments.filter((d) => d.fallback);
        wanted = [
          ...base,
          ...departments(withFallback.map((d) => d.name)),
          ...departments(withFallback.flatMap((d) => (d.fallback?.type === 'dept' ? [d.fallback.value] : []))),
          ...users(withFallback.flatMap((d) => (d.fallback?.type === 'user' ? [d.fallback.value] : []))),
        ];
        break;
      }
      case 'openingHours':
        wanted = [...base, seqOf('closedLine'), ...departments(configuration.departments.filter((d) => d.openingHours).map((d) => d.name))];
        break;
      case 'trunk':
        wanted = [
          ...base,
          ...users(configuration.users.filter((u) => u.externalNumber).map((u) => u.email)),
          ...departments(configuration.departments.filter((d) => d.externalNumbers.length > 0).map((d) => d.name)),
        ];
        break;
      default:
        wanted = steps.filter((other) => other.stage < step.stage).map((other) => other.seq);
    }
    // Only earlier steps: a dependency the plan does not hold (or a cycle) can never block a run.
    const own = new Set(wanted.filter((seq): seq is number => seq !== undefined && seq !== step.seq));
    result.set(step.seq, [...own].filter((seq) => stageOf.get(seq)! < step.stage).sort((a, b) => a - b));
  }
  return result;
}
