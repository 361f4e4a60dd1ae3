import { inspectTenant, firstProblem } from '../plan/tenant-inspection.js';
import type { StepHandler } from '../step-context.js';
import { StepFailure } from '../step-errors.js';

/**
 * docs/provisioning.md "Plan": before anything is changed, the server answers and the token works
 * (a rejected token fails the order as everywhere), then the same checks as POST
 * /api/v1/provision/plan: every requirement (warnings aside) and no conflict. An order sent with
 * `If-Match` also compares the plan it computes now with the one the reseller saw (PLAN_STALE).
 */
export const preflightStep: StepHandler<'preflight'> = async (context) => {
  const inspection = await inspectTenant({
    configuration: context.configuration,
    organizationId: context.order.organizationId,
    gateway: context.tenant,
    services: context.services,
    throwFailures: true,
  });
  const problem = firstProblem(inspection);
  if (problem) throw new StepFailure(problem.code, problem.message);
  if (inspection.reading) context.adoptReading?.(inspection.reading);
  const planHash = inspection.plan?.planHash ?? null;
  if (context.order.planHash && planHash === null) {
    throw new StepFailure('PLAN_STALE', 'the plan could not be compared: the tenant could not be read in full (see POST /api/v1/provision/plan); send the order without If-Match');
  }
  if (context.order.planHash && context.order.planHash !== planHash) {
    throw new StepFailure('PLAN_STALE', `the tenant changed since the plan ${context.order.planHash} was made (it is now ${planHash}): plan again and send the new planHash`);
  }
  return {};
};
