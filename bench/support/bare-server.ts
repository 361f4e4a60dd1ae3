/** The baseline: a bare Fastify server answering a small JSON document, as fast as Node serves HTTP. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ id: 1, name: 'root', parentId: null, createdAt: new Date().toISOString(), disabled: false }));
// The POST baseline: Fastify parses the same JSON body and answers 201 with an id, nothing else.
let next = 0;
app.post('/orders', async (_request, reply) => {
  void reply.code(201);
  return { id: ++next };
});
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ listening: (app.server.address() as { port: number }).port }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
