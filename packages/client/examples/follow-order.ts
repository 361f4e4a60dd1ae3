// Follow an order to its end: `XPROV_URL=… XPROV_API_KEY=… node follow-order.js 42`
import { createProvisioningClient, unwrap, waitForOrder } from '@xelion-provisioning/client';

const client = createProvisioningClient({
  baseUrl: process.env.XPROV_URL ?? 'http://localhost:3000',
  apiKey: process.env.XPROV_API_KEY,
});
const id = Number(process.argv[2]);

const order = await waitForOrder(client, id, {
  intervalMs: 2000,
  onUpdate: (o) => console.log(`${o.status} ${o.progress.done}/${o.progress.total} ${o.currentStep ?? ''}`),
});

if (order.status === 'FAILED') {
  console.error(`failed: ${order.error?.code} ${order.error?.message}`);
  if (order.error?.code === 'TENANT_TOKEN_REJECTED') {
    // Get a new session token from Xelion, then retry from the first unfinished step.
    const retried = unwrap(
      await client.POST('/api/v1/orders/{id}/retry', {
        params: { path: { id }, header: { 'Xelion-Tenant-Token': process.env.XELION_TENANT_TOKEN ?? '' } },
      }),
    );
    console.log(`retried: ${retried.status}`);
  }
} else {
  console.log('created', order.result?.created, 'numbers', order.result?.numbersAllocated);
}
