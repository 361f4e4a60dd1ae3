import type { ExternalNumber } from '../../configuration/configuration.types.js';
import type { StepHandler } from '../step-context.js';
import { forEachLimited } from './step-support.js';

export const NUMBER_CREDENTIALS = ['numbers.url', 'numbers.apiKey'] as const;

/**
 * docs/xelion-contract.md "External services beside Xelion": every `new: true` number is reserved at the number
 * provider with reference `<order id>:<label>`, so a repeated call (a retry, a take-over) returns the
 * same number. A missing credential fails the step before any reservation.
 */
export const numbersStep: StepHandler<'numbers'> = async (context) => {
  const { configuration, order } = context;
  const wanted: { number: ExternalNumber; owner: string }[] = [
    ...configuration.users.flatMap((user) => (user.externalNumber?.new ? [{ number: user.externalNumber, owner: user.email }] : [])),
    ...configuration.departments.flatMap((department) =>
      department.externalNumbers.filter((number) => number.new).map((number) => ({ number, owner: `department ${department.name}` })),
    ),
  ];
  await context.services.requireAll(order.organizationId, NUMBER_CREDENTIALS);
  const allocations: Record<string, string> = {};
  await forEachLimited(wanted, 4, async ({ number }) => {
    allocations[number.value] = await context.services.reserveNumber(order.organizationId, {
      country: number.country ?? '',
      area: number.area ?? '',
      label: number.value,
      reference: `${order.id}:${number.value}`,
    });
  });
  return {
    allocations,
    numbersAllocated: wanted.map(({ number, owner }) => ({ label: number.value, number: allocations[number.value], owner })),
  };
};
