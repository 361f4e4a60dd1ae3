import { createServer, type IncomingMessage } from 'node:http';
import type { Command } from 'commander';
import { verifyWebhook } from '@xelion-provisioning/client';
import type { GlobalOptions } from './xprov.context.js';
import { positiveInteger, printJson, UsageError } from './xprov.output.js';

const MAX_BODY = 1024 * 1024;

export function registerWebhookCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('webhooks')
    .description('try callbacks on your own machine')
    .command('listen')
    .description('receive webhooks on http://<host>:<port>/, verify each with Standard Webhooks and print it (Ctrl-C stops)')
    .requiredOption('--port <n>', 'the port to listen on', positiveInteger('port'))
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--secret <whsec>', "the organization's signing secret (whsec_…; or XPROV_WEBHOOK_SECRET)")
    .action(async (flags: { port: number; host: string; secret?: string }) => {
      const options = globals();
      const secret = flags.secret ?? process.env.XPROV_WEBHOOK_SECRET;
      if (!secret || !secret.startsWith('whsec_')) throw new UsageError('--secret whsec_… (or XPROV_WEBHOOK_SECRET) is required');
      const server = createServer((request, response) => {
        readBody(request).then(
          (body) => {
            try {
              const event = verifyWebhook(secret, body, request.headers);
              if (options.json) printJson({ verified: true, webhookId: request.headers['webhook-id'], event });
              else {
                const { data } = event;
                const error = data.error ? ` ${data.error.code}: ${data.error.message}` : '';
                process.stdout.write(
                  `${new Date().toISOString()} ${event.type} mid ${event.mid}: order ${data.id} ${data.previousStatus ?? '-'} -> ${data.status}${error} (verified)\n`,
                );
              }
              response.writeHead(204).end();
            } catch (error) {
              if (options.json) printJson({ verified: false, webhookId: request.headers['webhook-id'], reason: (error as Error).message });
              else process.stdout.write(`${new Date().toISOString()} rejected ${request.method} ${request.url}: ${(error as Error).message}\n`);
              response.writeHead(400, { 'content-type': 'text/plain' }).end('signature verification failed\n');
            }
          },
          () => response.writeHead(413).end(),
        );
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(flags.port, flags.host, resolve);
      });
      process.stderr.write(`listening on http://${flags.host}:${flags.port}/ — use it as --callback-url; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => resolve()));
      });
    });
}

/** The raw body, as received: verification is over these bytes, never over re-serialized JSON. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
