// Builders for the filters every listener is made of: HTTP connection manager (RDS or inline routes)
// with the router last, tcp_proxy, and the original_dst listener filter. typed_config values are
// proto3 JSON Any: '@type' first, then the message's fields.
import type { ConfigSource } from '../../generated/envoy/config/core/v3/ConfigSource.js';
import type { Filter } from '../../generated/envoy/config/listener/v3/Filter.js';
import type { ListenerFilter } from '../../generated/envoy/config/listener/v3/ListenerFilter.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { HttpFilter } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import type { TcpProxy } from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import type { HttpProtocolOptions } from '../../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions.js';
import type { Any } from '../../generated/google/protobuf/Any.js';

const TYPE_PREFIX = 'type.googleapis.com/';
export const HCM_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const ROUTER_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`;
export const TCP_PROXY_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;
export const ORIGINAL_DST_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`;
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const HTTP_PROTOCOL_OPTIONS_TYPE = `${TYPE_PREFIX}${HTTP_PROTOCOL_OPTIONS_KEY}`;

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const ORIGINAL_DST_FILTER = 'envoy.filters.listener.original_dst';

/** Wraps a message as proto3 JSON Any. */
export function typed<T extends object>(typeUrl: string, message: T): Any {
  return { '@type': typeUrl, ...message };
}

/** Everything dynamic comes over the one ADS stream the proxy already has. */
export function adsConfigSource(): ConfigSource {
  return { ads: {}, resource_api_version: 'V3' };
}

/** The router ends every HTTP filter list (Envoy and gRPC both reject a list it does not end). */
export function routerFilter(): HttpFilter {
  return { name: ROUTER_FILTER, typed_config: typed(ROUTER_TYPE, {}) };
}

/** An HCM that fetches its routes by name over RDS. */
export function rdsConnectionManager(statPrefix: string, routeConfigName: string): HttpConnectionManager {
  return {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    rds: { config_source: adsConfigSource(), route_config_name: routeConfigName },
    http_filters: [routerFilter()],
  };
}

/** An HCM with its routes inline (inbound: nothing to share, nothing to wait for). */
export function inlineConnectionManager(
  statPrefix: string,
  routeConfig: RouteConfiguration,
): HttpConnectionManager {
  return {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    route_config: routeConfig,
    http_filters: [routerFilter()],
  };
}

export function hcmFilter(hcm: HttpConnectionManager): Filter {
  return { name: HCM_FILTER, typed_config: typed(HCM_TYPE, hcm) };
}

export function tcpProxyFilter(statPrefix: string, cluster: string): Filter {
  const proxy: TcpProxy = { stat_prefix: statPrefix, cluster };
  return { name: TCP_PROXY_FILTER, typed_config: typed(TCP_PROXY_TYPE, proxy) };
}

/** Restores the pre-iptables destination, so filter chains can match on it. */
export function originalDstListenerFilter(): ListenerFilter {
  return { name: ORIGINAL_DST_FILTER, typed_config: typed(ORIGINAL_DST_TYPE, {}) };
}

/** Upstream HTTP/2 with prior knowledge, for HTTP2 and gRPC ports. */
export function http2ProtocolOptions(): Record<string, Any> {
  const options: HttpProtocolOptions = { explicit_http_config: { http2_protocol_options: {} } };
  return { [HTTP_PROTOCOL_OPTIONS_KEY]: typed(HTTP_PROTOCOL_OPTIONS_TYPE, options) };
}
