// Starts the example mesh's catalog v1 and v2 on the loopback ports its EndpointSlices name.
import * as grpc from '@grpc/grpc-js';
import { echoService } from './echo-service.mjs';

const backends = [
  { name: 'catalog-v1', port: 9091 },
  { name: 'catalog-v2', port: 9092 },
];
const servers = [];
for (const { name, port } of backends) {
  const server = new grpc.Server();
  server.addService(echoService, { call: (call, reply) => reply(null, { from: name, echo: call.request }) });
  await new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  servers.push(server);
  console.log(`${name} listening on 127.0.0.1:${port}`);
}
process.on('SIGINT', () => {
  for (const s of servers) s.forceShutdown();
  process.exit(0);
});
