import type { ConfigurationUser, ExternalNumber } from '../../configuration/configuration.types.js';
import type { StepContext } from '../step-context.js';
import { StepFailure } from '../step-errors.js';
import type { LineView } from '../tenant-gateway.js';

/** The E.164 value of an external number: as given, or as the number provider allocated it. */
export function resolveNumber(context: StepContext, number: ExternalNumber): string {
  if (!number.new) return number.value;
  const allocated = context.journal.output('numbers')?.allocations[number.value];
  if (!allocated) throw new StepFailure('INTERNAL_ERROR', `no number was allocated for "${number.value}"`);
  return allocated;
}

/** docs/xelion-contract.md: the personal line's commonName is the first and last name joined by a space. */
export function personalLineName(user: ConfigurationUser): string {
  return [user.firstName, user.lastName].filter((part) => part && part.trim() !== '').join(' ');
}

/** The oids the user step recorded for this user. */
export function userOids(context: StepContext, email: string): { userOid: string; lineOid: string; personOid: string | null } {
  const oids = context.journal.output('user', email)?.oids;
  if (!oids?.user || !oids.line) throw new StepFailure('INTERNAL_ERROR', `user ${email} has not been provisioned by this order`);
  return { userOid: oids.user, lineOid: oids.line, personOid: oids.person };
}

/** The line the department step recorded. */
export function departmentLineOid(context: StepContext, name: string): string {
  const oid = context.journal.output('department', name)?.oids.line;
  if (!oid) throw new StepFailure('INTERNAL_ERROR', `department ${name} has not been provisioned by this order`);
  return oid;
}

/** The Organisation the organization step recorded. */
export function organisationOid(context: StepContext): string {
  const oid = context.journal.output('organization')?.oids.organisation;
  if (!oid) throw new StepFailure('INTERNAL_ERROR', 'the organization has not been provisioned by this order');
  return oid;
}

/** The closed line the closed-line step recorded. */
export function closedLineOid(context: StepContext): string {
  const oid = context.journal.output('closedLine')?.oids.line;
  if (!oid) throw new StepFailure('INTERNAL_ERROR', 'the closed line has not been provisioned by this order');
  return oid;
}

/** The extensions a line lacks of `wanted` (other extensions are left alone). */
export function missingExtensions(line: LineView | null, wanted: string[]): string[] {
  const present = new Set((line?.extensions ?? []).map((extension) => extension.address));
  return wanted.filter((number) => !present.has(number));
}

/** Leaves out the fields whose value is undefined; undefined when nothing is left (nothing to change). */
export function changesOf<T extends object>(changes: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)));
  return Object.keys(kept).length > 0 ? (kept as T) : undefined;
}

/** Runs `work` over `items` with at most `width` at once (the client caps requests per tenant anyway). */
export async function forEachLimited<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  let failure: unknown;
  const worker = async () => {
    while (queue.length > 0 && failure === undefined) {
      const item = queue.shift()!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
