// Which L7 protocol a service port speaks. Kubernetes only knows L4 (TCP/UDP/SCTP); the mesh needs
// to know whether it may parse HTTP. Like Istio: an explicit appProtocol decides, else the port name
// prefix, else plain TCP (the safe choice: bytes are proxied untouched).
import type { Protocol } from '../../../model/mesh.js';

// A Map, not an object literal: user input must not find "constructor" on a prototype.
const APP_PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([
  ['http', 'HTTP'],
  ['http2', 'HTTP2'],
  ['kubernetes.io/h2c', 'HTTP2'],
  ['grpc', 'GRPC'],
  ['tcp', 'TCP'],
  // WebSockets start as HTTP/1.1 and upgrade; the HTTP filter chain handles the upgrade.
  ['kubernetes.io/ws', 'HTTP'],
  ['kubernetes.io/wss', 'HTTP'],
]);

// Longest prefix first, so that "http2-web" is HTTP2 and not HTTP.
const NAME_PREFIXES: readonly (readonly [string, Protocol])[] = [
  ['http2', 'HTTP2'],
  ['http', 'HTTP'],
  ['grpc', 'GRPC'],
  ['tcp', 'TCP'],
];

export interface PortProtocolHints {
  readonly name?: string | null | undefined;
  readonly appProtocol?: string | null | undefined;
}

export function protocolOf(port: PortProtocolHints): Protocol {
  if (port.appProtocol) {
    // An appProtocol we do not know (mongo, https, …) is still an explicit statement that the port
    // is not plain HTTP, so it does not fall back to the name.
    return APP_PROTOCOLS.get(port.appProtocol.toLowerCase()) ?? 'TCP';
  }
  const name = port.name?.toLowerCase() ?? '';
  for (const [prefix, protocol] of NAME_PREFIXES) {
    if (name === prefix || name.startsWith(`${prefix}-`)) return protocol;
  }
  return 'TCP';
}
