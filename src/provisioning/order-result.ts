import type { OrderResult } from '../orders/order.entity.js';
import type { StepOutput } from './step-context.js';

/** The order's result: the counts, numbers and warnings of every finished step, added up. */
export function summarize(outputs: Iterable<StepOutput>, from?: OrderResult): OrderResult {
  const result: OrderResult = from
    ? { created: { ...from.created }, updated: { ...from.updated }, found: { ...from.found }, numbersAllocated: [...from.numbersAllocated], warnings: [...from.warnings] }
    : { created: {}, updated: {}, found: {}, numbersAllocated: [], warnings: [] };
  for (const output of outputs) {
    for (const field of ['created', 'updated', 'found'] as const) {
      for (const [kind, n] of Object.entries(output[field] ?? {})) result[field][kind] = (result[field][kind] ?? 0) + n;
    }
    result.numbersAllocated.push(...(output.numbersAllocated ?? []));
    result.warnings.push(...(output.warnings ?? []));
  }
  return result;
}
