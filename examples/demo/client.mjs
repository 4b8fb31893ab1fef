// Calls catalog through Trellis: the target is resolved over xDS, not DNS.
// Usage: node examples/demo/client.mjs [calls] [xds-server]   (defaults: 10, 127.0.0.1:15010)
import * as grpc from '@grpc/grpc-js';
import { echoService } from './echo-service.mjs';

const calls = Number(process.argv[2] ?? 10);
const xdsServer = process.argv[3] ?? '127.0.0.1:15010';
process.env.GRPC_XDS_BOOTSTRAP_CONFIG ??= JSON.stringify({
  xds_servers: [
    { server_uri: xdsServer, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: { id: 'proxyless~127.0.0.1~demo-client.shop~shop.svc.cluster.local', locality: { zone: 'zone-a' } },
});
const xds = await import('@grpc/grpc-js-xds');
xds.register();

const Client = grpc.makeGenericClientConstructor(echoService, 'Echo');
const client = new Client('xds:///catalog.shop.svc.cluster.local:9090', grpc.credentials.createInsecure());
const seen = {};
for (let i = 0; i < calls; i++) {
  const reply = await new Promise((resolve, reject) =>
    client.call({ i }, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );
  seen[reply.from] = (seen[reply.from] ?? 0) + 1;
}
console.log(`${calls} calls answered by`, seen);
client.close();
process.exit(0);
