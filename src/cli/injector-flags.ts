// The `trellis serve` flags of sidecar injection: where the webhook listens and what it injects.
// `trellis inject` takes the same ones (but the address). Each error names its flag.
import { formatHostPort, parseHostPort } from '../address.js';
import type { InjectorConfig } from '../injector/pod-patch.js';
import { DEFAULT_PROXY_RESOURCES, isQuantity } from '../injector/proxy-resources.js';
import { fail, ok, type Result } from '../model/result.js';
import { TRELLIS_VERSION } from '../version.js';
import type { InjectorOptions } from './serve-injector.js';

export const INJECTOR_FLAGS = {
  'webhook-address': { type: 'string', default: '0.0.0.0:15017' },
  'proxy-image': { type: 'string', default: 'envoyproxy/envoy:v1.31.2' },
  'proxy-init-image': { type: 'string', default: `ghcr.io/trellis-mesh/proxy-init:${TRELLIS_VERSION}` },
  'trellis-image': { type: 'string', default: `ghcr.io/trellis-mesh/trellis:${TRELLIS_VERSION}` },
  'native-sidecars': { type: 'string', default: 'true' },
  'proxy-cpu': { type: 'string', default: DEFAULT_PROXY_RESOURCES.cpu },
  'proxy-memory': { type: 'string', default: DEFAULT_PROXY_RESOURCES.memory },
  'webhook-cert': { type: 'string', default: '' },
  'webhook-key': { type: 'string', default: '' },
  'ip-families': { type: 'string', default: 'ipv4' },
} as const;

export function injectorUsage(indent: string): string {
  return [
    '[--webhook-address 0.0.0.0:15017|off] [--native-sidecars true|false] [--proxy-image IMAGE]',
    '[--proxy-init-image IMAGE] [--trellis-image IMAGE] [--proxy-cpu 100m] [--proxy-memory 128Mi]',
    '[--webhook-cert FILE --webhook-key FILE] [--ip-families ipv4|ipv4,ipv6]',
  ]
    .map((line) => indent + line)
    .join('\n');
}

/** Trellis's namespace, where sidecars find it: the pod's own (downward API), else the install's. */
export const trellisNamespace = (): string => process.env.POD_NAMESPACE || 'trellis-system';

export function readInjectorFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
  clusterDomain?: string,
): Result<InjectorOptions, string> {
  const text = (name: keyof typeof INJECTOR_FLAGS): string => {
    const v = values[name];
    return typeof v === 'string' ? v : INJECTOR_FLAGS[name].default;
  };
  const errors: string[] = [];
  let address: string | undefined;
  if (text('webhook-address') !== 'off') {
    const parsed = parseHostPort(text('webhook-address'));
    if (parsed.ok) address = formatHostPort(parsed.value);
    else errors.push(`--webhook-address: ${parsed.errors.join('; ')}`);
  }
  const native = text('native-sidecars');
  if (native !== 'true' && native !== 'false') errors.push('--native-sidecars: must be true or false');
  for (const flag of ['proxy-cpu', 'proxy-memory'] as const)
    if (!isQuantity(text(flag)))
      errors.push(`--${flag}: "${text(flag)}" is not a Kubernetes quantity (e.g. 100m, 128Mi)`);
  const cert = text('webhook-cert');
  const key = text('webhook-key');
  if ((cert === '') !== (key === '')) errors.push('--webhook-cert and --webhook-key go together');
  const families = text('ip-families');
  if (families !== 'ipv4' && families !== 'ipv4,ipv6' && families !== 'ipv6,ipv4')
    errors.push('--ip-families: ipv4, or ipv4,ipv6 for a dual-stack cluster');
  for (const flag of ['proxy-image', 'proxy-init-image', 'trellis-image'] as const)
    if (!/^[^\s]{1,512}$/.test(text(flag))) errors.push(`--${flag}: an image reference without spaces`);
  if (errors.length > 0) return fail(errors);
  const config: InjectorConfig = {
    proxyImage: text('proxy-image'),
    initImage: text('proxy-init-image'),
    trellisImage: text('trellis-image'),
    resources: { ...DEFAULT_PROXY_RESOURCES, cpu: text('proxy-cpu'), memory: text('proxy-memory') },
    nativeSidecars: native === 'true',
    version: TRELLIS_VERSION,
  };
  return ok({
    ...(address !== undefined ? { address } : {}),
    config,
    namespace: trellisNamespace(),
    ...(cert !== '' ? { certificateFiles: { cert, key } } : {}),
    dualStack: families !== 'ipv4',
    ...(clusterDomain ? { clusterDomain } : {}),
  });
}
