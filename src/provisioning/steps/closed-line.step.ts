import type { StepHandler } from '../step-context.js';

export function closedLineName(organizationName: string): string {
  return `${organizationName} closed`;
}

/**
 * docs/xelion-contract.md "opening hours": the organization's closed line [commonName = organization name + " closed"],
 * created once when any department has opening hours, with voicemail on.
 */
export const closedLineStep: StepHandler<'closedLine'> = async (context) => {
  const name = closedLineName(context.configuration.organization.name);
  const [existing] = await context.tenant.findLines(name);
  if (existing) {
    if (!existing.voicemailActive) {
      await context.tenant.updateLine(existing.oid, { voicemail: true });
      return { oids: { line: existing.oid }, updated: { phoneLine: 1 } };
    }
    return { oids: { line: existing.oid }, found: { phoneLine: 1 } };
  }
  const oid = await context.tenant.createLine({ commonName: name, extensions: [] });
  await context.tenant.updateLine(oid, { voicemail: true });
  return { oids: { line: oid }, created: { phoneLine: 1 } };
};
