import { randomBytes } from 'node:crypto';
import type { RunningSimulator } from './simulator.js';

/**
 * The organization credentials that point the services beside Xelion at this simulator (it plays the
 * number provider and the redirection server too), plus SIP trunk settings for a tenant without a
 * trunk. Store them with `PUT /api/v1/organizations/:id/credentials/:key`.
 */
export function simulatorCredentials(sim: Pick<RunningSimulator, 'url' | 'options'>, trunkPassword = randomBytes(12).toString('base64url')): Record<string, string> {
  return {
    'numbers.url': `${sim.url}/numbers`,
    'numbers.apiKey': sim.options.numbersApiKey,
    'redirection.url': `${sim.url}/redirection`,
    'redirection.username': sim.options.redirectionUsername,
    'redirection.password': sim.options.redirectionPassword,
    'sipTrunk.providerName': 'Demo SIP',
    'sipTrunk.host': 'sip.demo.example',
    'sipTrunk.account': 'demo-account',
    'sipTrunk.password': trunkPassword,
  };
}
