// Points this process's @grpc/grpc-js-xds at a Trellis xDS port. grpc-js-xds reads its bootstrap
// once per process, when the first xds: channel is made, so call this before creating clients.
export async function useTrellisForXds(xdsPort: number, nodeId: string): Promise<void> {
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    // grpc-js-xds refuses a bootstrap node without a locality.
    node: { id: nodeId, locality: { zone: 'zone-a' } },
  });
  const xds = await import('@grpc/grpc-js-xds');
  xds.register();
}
