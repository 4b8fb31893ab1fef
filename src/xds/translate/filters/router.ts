// The router forwards the request: it ends every filter list, for Envoy and gRPC alike.
import { routerFilter } from '../filters.js';
import type { HttpFilterPlugin } from './http-filter.js';

export const routerPlugin: HttpFilterPlugin = {
  name: 'envoy.filters.http.router',
  grpc: true,
  connectionFilter: () => routerFilter(),
  routeConfig: () => undefined,
};
