// Test a configuration, then provision it: `XPROV_URL=… XPROV_API_KEY=… node provision.js configuration.json`
import { readFileSync } from 'node:fs';
import { createProvisioningClient, unwrap, type Configuration } from '@xelion-provisioning/client';

const client = createProvisioningClient({
  baseUrl: process.env.XPROV_URL ?? 'http://localhost:3000',
  apiKey: process.env.XPROV_API_KEY,
});
const configuration = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Configuration;

// 1. Test it: 200 when valid; 400 with every problem as a JSON Pointer and a message.
const tested = await client.POST('/api/v1/provision/test', { body: configuration });
if (!tested.response.ok) {
  for (const problem of tested.error?.errors ?? []) console.error(`${problem.path}: ${problem.message}`);
  process.exit(1);
}

// 2. Provision it. The tenant token is a Xelion session token (README, "Getting a tenant token").
const order = unwrap(
  await client.POST('/api/v1/provision', {
    body: configuration,
    params: {
      header: {
        'Xelion-Server-Url': 'https://my.server.xelion.com',
        'Xelion-Tenant-Name': 'pbx1',
        'Xelion-Tenant-Token': process.env.XELION_TENANT_TOKEN ?? '',
        'X-Callback-Url': 'https://my.callback.example/xelion',
        // The same key within 24 hours returns the same order instead of a second one: safe to retry.
        'Idempotency-Key': `pbx1-${Date.now()}`,
      },
    },
  }),
);
console.log(`order ${order.id} created`);
