// The five resource types Trellis serves. Envoy keys every xDS stream and every Any by these URLs.
export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceTypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** The message's full name: what follows the last '/' (the host part of a type URL is never looked up). */
export function typeNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
