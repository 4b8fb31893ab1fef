// A raw delta xDS client for tests: it sends exactly the DeltaDiscoveryRequests a test writes and
// queues every DeltaDiscoveryResponse in arrival order. ADS by default; give it a per-type
// service's delta method (e.g. /envoy.service.cluster.v3.ClusterDiscoveryService/DeltaClusters).
import {
  DELTA_AGGREGATED_RESOURCES,
  type DeltaDiscoveryRequestObject,
  type DeltaDiscoveryResponseObject,
  discoveryCodecs,
} from '../../src/xds/server/ads-service.js';
import { anyName } from './ads-test-client.js';
import { BidiTestClient, type TestConnection } from './bidi-test-client.js';

export class DeltaTestClient extends BidiTestClient<
  DeltaDiscoveryRequestObject,
  DeltaDiscoveryResponseObject
> {
  constructor(port: number, method = DELTA_AGGREGATED_RESOURCES, connection?: TestConnection) {
    const { deltaRequest, deltaResponse } = discoveryCodecs();
    super(port, method, deltaRequest, deltaResponse, connection);
  }

  /** ACKs a response: its nonce, nothing else (subscriptions are increments, not repeated). */
  ack(response: DeltaDiscoveryResponseObject): void {
    this.send({ type_url: response.type_url, response_nonce: response.nonce });
  }

  /** NACKs a response with `message` as error_detail (code 3, INVALID_ARGUMENT). */
  nack(response: DeltaDiscoveryResponseObject, message: string): void {
    this.send({
      type_url: response.type_url,
      response_nonce: response.nonce,
      error_detail: { code: 3, message },
    });
  }
}

/**
 * A response as `name@version` per resource (checked against the name inside the encoded bytes)
 * and its removed names: what a test compares.
 */
export function deltaContents(response: DeltaDiscoveryResponseObject): {
  resources: Record<string, string>;
  removed: string[];
} {
  const resources: Record<string, string> = {};
  for (const r of response.resources) {
    const inner = anyName(r.resource);
    if (inner !== r.name) throw new Error(`resource "${r.name}" carries a resource named "${inner}"`);
    resources[r.name] = r.version;
  }
  return { resources, removed: [...response.removed_resources] };
}
