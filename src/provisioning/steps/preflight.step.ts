import type { StepHandler } from '../step-context.js';

/** docs/xelion-contract.md "Preflight": the server answers, and the token works, before anything is changed. */
export const preflightStep: StepHandler<'preflight'> = async (context) => {
  await context.tenant.preflight();
  return {};
};
