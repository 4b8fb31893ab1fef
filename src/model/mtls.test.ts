import { describe, expect, it } from 'vitest';
import { buildRouting } from './build-routing.js';
import { DEFAULT_MESH_CONFIG, EMPTY_MESH, type Mesh, type Service, type Workload } from './mesh.js';
import { peerAuthenticationMode, upstreamTls } from './mtls.js';
import type { BackendPolicy, MtlsMode, PeerAuthenticationPolicy } from './routing.js';

const pa = (
  namespace: string,
  name: string,
  extra: Partial<Omit<PeerAuthenticationPolicy, 'origin'>> = {},
): PeerAuthenticationPolicy => ({ origin: { kind: 'PeerAuthentication', namespace, name }, ...extra });

const pod = (namespace: string, name: string, labels: Record<string, string>, sa = 'default'): Workload => ({
  namespace,
  name,
  labels,
  serviceAccount: sa,
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

const web = pod('shop', 'web-0', { app: 'web' });
const modeOf = (policies: PeerAuthenticationPolicy[], port = 8080, workload = web): MtlsMode =>
  peerAuthenticationMode(policies, DEFAULT_MESH_CONFIG, workload, port);

describe('peerAuthenticationMode', () => {
  it('is PERMISSIVE without policies, and follows workload > namespace > mesh-wide', () => {
    expect(modeOf([])).toBe('PERMISSIVE');
    const mesh = pa('trellis-system', 'default', { mode: 'STRICT' });
    expect(modeOf([mesh])).toBe('STRICT');
    const ns = pa('shop', 'default', { mode: 'DISABLE' });
    expect(modeOf([mesh, ns])).toBe('DISABLE');
    const own = pa('shop', 'web', { selector: { app: 'web' }, mode: 'PERMISSIVE' });
    expect(modeOf([mesh, ns, own])).toBe('PERMISSIVE');
    // Another namespace's policy, or one selecting other pods, does not count.
    expect(modeOf([pa('other', 'default', { mode: 'DISABLE' }), mesh])).toBe('STRICT');
    expect(modeOf([pa('shop', 'db', { selector: { app: 'db' }, mode: 'DISABLE' }), mesh])).toBe('STRICT');
  });

  it('inherits through UNSET, at every level and on ports', () => {
    const mesh = pa('trellis-system', 'default', { mode: 'STRICT' });
    const ns = pa('shop', 'default');
    const own = pa('shop', 'web', { selector: { app: 'web' }, portLevelMtls: [{ port: 9000 }] });
    expect(modeOf([mesh, ns, own])).toBe('STRICT');
    expect(modeOf([mesh, ns, own], 9000)).toBe('STRICT');
  });

  it('reads port-level modes on the port the pod listens on, only on selecting policies', () => {
    const ns = pa('shop', 'default', { mode: 'STRICT' });
    const own = pa('shop', 'web', {
      selector: { app: 'web' },
      portLevelMtls: [{ port: 8080, mode: 'DISABLE' }],
    });
    expect(modeOf([ns, own], 8080)).toBe('DISABLE');
    expect(modeOf([ns, own], 8081)).toBe('STRICT');
    const careless = pa('shop', 'default', {
      mode: 'STRICT',
      portLevelMtls: [{ port: 8080, mode: 'DISABLE' }],
    });
    expect(modeOf([careless], 8080)).toBe('STRICT');
  });

  it('takes the oldest policy of a level, then the first by name; a root-namespace selector is not mesh-wide', () => {
    const older = pa('shop', 'b', { mode: 'DISABLE', createdAt: '2024-01-01T00:00:00Z' });
    const newer = pa('shop', 'a', { mode: 'STRICT', createdAt: '2024-06-01T00:00:00Z' });
    expect(modeOf([newer, older])).toBe('DISABLE');
    expect(modeOf([pa('shop', 'b', { mode: 'DISABLE' }), pa('shop', 'a', { mode: 'STRICT' })])).toBe(
      'STRICT',
    );
    const rootSelecting = pa('trellis-system', 'web', { selector: { app: 'web' }, mode: 'STRICT' });
    expect(modeOf([rootSelecting])).toBe('PERMISSIVE');
    const custom = { trustDomain: 'example.org', rootNamespace: 'mesh' };
    expect(peerAuthenticationMode([pa('mesh', 'default', { mode: 'STRICT' })], custom, web, 8080)).toBe(
      'STRICT',
    );
  });
});

describe('upstreamTls', () => {
  const service: Service = {
    namespace: 'shop',
    name: 'web',
    hostname: 'web.shop.svc.cluster.local',
    clusterIP: '10.96.0.1',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, transport: 'TCP', protocol: 'HTTP', targetPort: 'http' }],
  };
  const port = service.ports[0]!;
  const v2 = pod('shop', 'web-1', { app: 'web', version: 'v2' }, 'web-v2');
  const mesh = (extra: Partial<Mesh['routing']> = {}, workloads = [web, v2]): Mesh => ({
    ...EMPTY_MESH,
    services: [service],
    workloads,
    routing: { ...EMPTY_MESH.routing, ...extra },
  });
  const policy = (tls: NonNullable<BackendPolicy['policy']>['tls']): BackendPolicy => ({
    service: { namespace: 'shop', name: 'web' },
    origin: { kind: 'DestinationRule', namespace: 'shop', name: 'web' },
    ...(tls ? { policy: { tls } } : {}),
    subsets: [{ name: 'v2', labels: { version: 'v2' } }],
  });

  it('auto mTLS: ISTIO_MUTUAL towards meshed pods, with their identities sorted; each subset its own', () => {
    expect(upstreamTls(mesh(), service, port)).toEqual({
      mode: 'ISTIO_MUTUAL',
      auto: true,
      identities: ['spiffe://cluster.local/ns/shop/sa/default', 'spiffe://cluster.local/ns/shop/sa/web-v2'],
    });
    expect(upstreamTls(mesh({ backendPolicies: [policy(undefined)] }), service, port, 'v2')).toEqual({
      mode: 'ISTIO_MUTUAL',
      auto: true,
      identities: ['spiffe://cluster.local/ns/shop/sa/web-v2'],
    });
  });

  it('auto mTLS: plaintext with no pods, a pod without a sidecar, or a pod whose port is DISABLE', () => {
    expect(upstreamTls(mesh({}, []), service, port)).toEqual({ mode: 'DISABLE', auto: true });
    const bare = pod('shop', 'web-2', { app: 'web', 'security.istio.io/tlsMode': 'disabled' });
    expect(upstreamTls(mesh({}, [web, bare]), service, port)).toEqual({ mode: 'DISABLE', auto: true });
    const off = pa('shop', 'web', {
      selector: { version: 'v2' },
      portLevelMtls: [{ port: 8080, mode: 'DISABLE' }],
    });
    expect(upstreamTls(mesh({ peerAuthentications: [off] }), service, port)).toEqual({
      mode: 'DISABLE',
      auto: true,
    });
    const other = pa('shop', 'web', {
      selector: { version: 'v2' },
      portLevelMtls: [{ port: 9999, mode: 'DISABLE' }],
    });
    expect(upstreamTls(mesh({ peerAuthentications: [other] }), service, port).mode).toBe('ISTIO_MUTUAL');
  });

  it('follows the DestinationRule when it sets tls', () => {
    expect(upstreamTls(mesh({ backendPolicies: [policy({ mode: 'DISABLE' })] }), service, port)).toEqual({
      mode: 'DISABLE',
      auto: false,
    });
    const explicit = upstreamTls(
      mesh({ backendPolicies: [policy({ mode: 'ISTIO_MUTUAL' })] }, []),
      service,
      port,
    );
    expect(explicit).toEqual({ mode: 'ISTIO_MUTUAL', auto: false, identities: [] });
    const simple = { mode: 'SIMPLE', caCertificates: '/etc/ca.pem' } as const;
    expect(upstreamTls(mesh({ backendPolicies: [policy(simple)] }), service, port)).toEqual({
      mode: 'SIMPLE',
      settings: simple,
    });
  });

  it('names identities in the mesh trust domain', () => {
    const m = { ...mesh(), config: { trustDomain: 'example.org', rootNamespace: 'mesh' } };
    expect(upstreamTls(m, service, port, undefined)).toMatchObject({
      identities: ['spiffe://example.org/ns/shop/sa/default', 'spiffe://example.org/ns/shop/sa/web-v2'],
    });
  });
});

describe('PeerAuthentication conflicts in the merge step', () => {
  it('keeps the oldest policy per namespace and per pod, and tells the others', () => {
    const core = { namespaces: [], services: [], endpointSlices: [], workloads: [web] };
    const built = buildRouting(core, [
      {
        peerAuthentications: [
          pa('shop', 'a', { mode: 'STRICT', createdAt: '2024-02-01T00:00:00Z' }),
          pa('shop', 'b', { mode: 'DISABLE', createdAt: '2024-01-01T00:00:00Z' }),
          pa('shop', 'w1', { selector: { app: 'web' }, mode: 'STRICT' }),
          pa('shop', 'w2', { selector: { app: 'web' }, mode: 'DISABLE' }),
        ],
      },
    ]);
    expect(built.routing.peerAuthentications?.map((p) => p.origin.name)).toEqual(['b', 'w1', 'w2']);
    const conditions = Object.fromEntries(
      built.statuses.map((s) => [
        s.resource.name,
        s.conditions.map((c) => `${c.type}=${c.status}`).join(','),
      ]),
    );
    expect(conditions).toEqual({
      a: 'Conflicted=True',
      b: 'Accepted=True',
      w1: 'Accepted=True',
      w2: 'Accepted=True,Conflicted=True',
    });
    const w2 = built.statuses.find((s) => s.resource.name === 'w2')!;
    expect(w2.conditions.find((c) => c.type === 'Conflicted')?.message).toBe(
      'PeerAuthentication shop/w1 also selects pod shop/web-0 and applies to it: the oldest (then the first by namespace/name) applies',
    );
  });
});
