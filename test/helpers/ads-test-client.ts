// A raw ADS client for tests: it sends exactly the DiscoveryRequests a test writes (so a test can
// ACK, NACK, send stale nonces or no node at all) and queues every response in arrival order.
// Give it another method (e.g. /envoy.service.cluster.v3.ClusterDiscoveryService/StreamClusters)
// to speak state of the world to a per-type service.
import { envoyType } from '../../src/xds/envoy/proto-root.js';
import { typeNameFromUrl } from '../../src/xds/envoy/type-urls.js';
import {
  type DiscoveryRequestObject,
  type DiscoveryResponseObject,
  discoveryCodecs,
  STREAM_AGGREGATED_RESOURCES,
} from '../../src/xds/server/ads-service.js';
import { BidiTestClient, type TestConnection } from './bidi-test-client.js';

export class AdsTestClient extends BidiTestClient<DiscoveryRequestObject, DiscoveryResponseObject> {
  constructor(port: number, method = STREAM_AGGREGATED_RESOURCES, connection?: TestConnection) {
    const { request, response } = discoveryCodecs();
    super(port, method, request, response, connection);
  }
}

/**
 * ACKs each response of `typeUrl` (state of the world) until one names `name`, at most `pushes`
 * responses and `ms` each; the names of the last response (they include `name` unless it never came).
 */
export async function ackUntilNamed(
  client: AdsTestClient,
  typeUrl: string,
  name: string,
  pushes = 10,
  ms = 10_000,
): Promise<string[]> {
  let names: string[] = [];
  for (let push = 0; push < pushes && !names.includes(name); push++) {
    const response = await client.next(ms);
    names = resourceNames(response);
    client.send({ type_url: typeUrl, version_info: response.version_info, response_nonce: response.nonce });
  }
  return names;
}

/** The names of the resources in a response, read from the decoded resources themselves. */
export function resourceNames(response: DiscoveryResponseObject): string[] {
  return response.resources.map(anyName);
}

/** The name inside an encoded resource (`name`, or `cluster_name` for a ClusterLoadAssignment). */
export function anyName(any: { readonly type_url: string; readonly value: Uint8Array }): string {
  const decoded = envoyType(typeNameFromUrl(any.type_url)).decode(any.value) as unknown as {
    name?: string;
    cluster_name?: string;
  };
  return decoded.name || decoded.cluster_name || '';
}
