// The per-type discovery services, for clients that do not use ADS: each carries one resource type
// over the same DiscoveryRequest/Response (SotW) and DeltaDiscoveryRequest/Response (delta)
// messages as ADS. Their names are Envoy's (envoy/service/<kind>/v3/*.proto in @grpc/grpc-js-xds);
// the unary Fetch* methods (REST-style polling) are not served.
import type * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { bidiMethod, discoveryCodecs } from './ads-service.js';

export interface TypedDiscoveryService {
  /** Fully qualified gRPC service name. */
  readonly service: string;
  /** The only resource type the service carries. */
  readonly typeUrl: string;
  /** The state-of-the-world method. */
  readonly sotwMethod: string;
  /** The incremental (delta) method. */
  readonly deltaMethod: string;
}

export const TYPED_DISCOVERY_SERVICES: readonly TypedDiscoveryService[] = [
  {
    service: 'envoy.service.cluster.v3.ClusterDiscoveryService',
    typeUrl: TYPE_URL.cluster,
    sotwMethod: 'StreamClusters',
    deltaMethod: 'DeltaClusters',
  },
  {
    service: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
    typeUrl: TYPE_URL.endpoint,
    sotwMethod: 'StreamEndpoints',
    deltaMethod: 'DeltaEndpoints',
  },
  {
    service: 'envoy.service.listener.v3.ListenerDiscoveryService',
    typeUrl: TYPE_URL.listener,
    sotwMethod: 'StreamListeners',
    deltaMethod: 'DeltaListeners',
  },
  {
    service: 'envoy.service.route.v3.RouteDiscoveryService',
    typeUrl: TYPE_URL.route,
    sotwMethod: 'StreamRoutes',
    deltaMethod: 'DeltaRoutes',
  },
  {
    service: 'envoy.service.secret.v3.SecretDiscoveryService',
    typeUrl: TYPE_URL.secret,
    sotwMethod: 'StreamSecrets',
    deltaMethod: 'DeltaSecrets',
  },
];

export function methodPath(service: string, method: string): string {
  return `/${service}/${method}`;
}

export function typedServiceDefinition(typed: TypedDiscoveryService): grpc.ServiceDefinition {
  const { request, response, deltaRequest, deltaResponse } = discoveryCodecs();
  return {
    [typed.sotwMethod]: bidiMethod(methodPath(typed.service, typed.sotwMethod), request, response),
    [typed.deltaMethod]: bidiMethod(
      methodPath(typed.service, typed.deltaMethod),
      deltaRequest,
      deltaResponse,
    ),
  };
}
