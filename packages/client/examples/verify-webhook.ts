// A webhook receiver that verifies each message: `WEBHOOK_SECRET=whsec_… node verify-webhook.js`
// The secret: GET /api/v1/organizations/{id}/webhook-secret (or `xprov` … see the CLI's README).
import { createServer } from 'node:http';
import { verifyWebhook } from '@xelion-provisioning/client';

const secret = process.env.WEBHOOK_SECRET!;
const seen = new Set<string>();

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      // Verify the raw bytes, before any JSON parsing: re-serialized JSON does not verify.
      const event = verifyWebhook(secret, Buffer.concat(chunks), request.headers);
      // Delivery is at least once: the same webhook-id can come again.
      const id = String(request.headers['webhook-id']);
      if (!seen.has(id)) {
        seen.add(id);
        console.log(`order ${event.data.id}: ${event.data.previousStatus} -> ${event.data.status}`, event.data.error ?? '');
      }
      response.writeHead(204).end();
    } catch {
      response.writeHead(400).end();
    }
  });
}).listen(8080);
