import type { StepKind } from '../provisioning-plan.js';
import type { StepHandler } from '../step-context.js';
import { closedLineStep } from './closed-line.step.js';
import { departmentStep } from './department.step.js';
import { fallbacksStep } from './fallbacks.step.js';
import { numbersStep } from './numbers.step.js';
import { openingHoursStep } from './opening-hours.step.js';
import { organizationStep } from './organization.step.js';
import { phonesStep } from './phones.step.js';
import { preflightStep } from './preflight.step.js';
import { tenantStep } from './tenant.step.js';
import { trunkStep } from './trunk.step.js';
import { userStep } from './user.step.js';

/** Every kind of step and the function that performs it. */
export const STEP_HANDLERS: { [K in StepKind]: StepHandler<K> } = {
  tenant: tenantStep,
  preflight: preflightStep,
  numbers: numbersStep,
  organization: organizationStep,
  user: userStep,
  closedLine: closedLineStep,
  department: departmentStep,
  phones: phonesStep,
  fallbacks: fallbacksStep,
  openingHours: openingHoursStep,
  trunk: trunkStep,
};
