import { count, type Counts, type StepHandler } from '../step-context.js';
import type { NewTrunk, TrunkChanges } from '../tenant-gateway.js';
import { changesOf, departmentLineOid, resolveNumber, userOids } from './step-support.js';

export const TRUNK_CREDENTIALS = ['sipTrunk.providerName', 'sipTrunk.host', 'sipTrunk.account', 'sipTrunk.password'] as const;

/**
 * docs/xelion-contract.md "external numbers": every external number in the trunk's `assignedNumbers`, each with `line`
 * = the line of its owner; `defaultCallerNr` = the central number. The trunk is the tenant's first,
 * or one created from the `sipTrunk.*` credentials when the tenant has none (a missing key fails the
 * step before anything is created). One PATCH for all numbers.
 */
export const trunkStep: StepHandler<'trunk'> = async (context) => {
  const { configuration, order, tenant, services } = context;
  const created: Counts = {};
  const updated: Counts = {};
  const found: Counts = {};

  const wanted: { number: string; lineOid: string }[] = [];
  for (const user of configuration.users) {
    if (user.externalNumber) wanted.push({ number: resolveNumber(context, user.externalNumber), lineOid: userOids(context, user.email).lineOid });
  }
  for (const department of configuration.departments) {
    const lineOid = department.externalNumbers.length > 0 ? departmentLineOid(context, department.name) : '';
    for (const number of department.externalNumbers) wanted.push({ number: resolveNumber(context, number), lineOid });
  }
  const central = configuration.organization.centralPhoneNumber ? resolveNumber(context, configuration.organization.centralPhoneNumber) : null;

  let [trunk] = await tenant.trunks();
  if (!trunk) {
    await services.requireAll(order.organizationId, TRUNK_CREDENTIALS);
    const get = (key: string) => services.requireCredential(order.organizationId, key);
    const port = await services.optionalCredential(order.organizationId, 'sipTrunk.port');
    const transport = await services.optionalCredential(order.organizationId, 'sipTrunk.transport');
    const input: NewTrunk = {
      providerName: await get('sipTrunk.providerName'),
      host: await get('sipTrunk.host'),
      account: await get('sipTrunk.account'),
      password: await get('sipTrunk.password'),
      transportType: transport?.toUpperCase() === 'TLS' ? 'TLS' : 'UDP',
      ...(port && /^\d{1,5}$/.test(port) ? { port: Number(port) } : {}),
    };
    const oid = await tenant.createTrunk(input);
    count(created, 'trunk');
    trunk = { oid, assignedNumbers: [], defaultCallerNr: null };
  }

  const changes: TrunkChanges = { assign: [], relink: [] };
  for (const { number, lineOid } of wanted) {
    const assigned = trunk.assignedNumbers.find((a) => a.number === number);
    if (!assigned) changes.assign!.push({ number, lineOid });
    else if (assigned.lineOid !== lineOid) changes.relink!.push({ relationOid: assigned.oid, lineOid });
  }
  if (central && trunk.defaultCallerNr !== central) changes.defaultCallerNr = central;
  const update = changesOf(changes);
  if (update) {
    await tenant.updateTrunk(trunk.oid, update);
    if (!created.trunk) count(updated, 'trunk');
  } else if (!created.trunk) count(found, 'trunk');
  return { oids: { trunk: trunk.oid }, numbersAssigned: wanted.length, created, updated, found };
};
