// A proxy's resources in Envoy's config_dump shape: each resource tagged with its type URL first,
// then its fields as built. This is what golden files hold and what `trellis config-dump` prints.
import { TYPE_URL } from '../envoy/type-urls.js';
import type { ProxyResources } from './translate-proxy.js';

export interface ConfigDump {
  readonly clusters: unknown[];
  readonly endpoints: unknown[];
  readonly listeners: unknown[];
  readonly routes: unknown[];
}

const tag = (typeUrl: string) => (resource: object) => ({ '@type': typeUrl, ...resource });

export function toConfigDump(resources: ProxyResources): ConfigDump {
  return {
    clusters: resources.clusters.map(tag(TYPE_URL.cluster)),
    endpoints: resources.endpoints.map(tag(TYPE_URL.endpoint)),
    listeners: resources.listeners.map(tag(TYPE_URL.listener)),
    routes: resources.routes.map(tag(TYPE_URL.route)),
  };
}
