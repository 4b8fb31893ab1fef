import { describe, expect, it } from 'vitest';
import type { Mesh, Namespace, Service } from './mesh.js';
import { EMPTY_MESH } from './mesh.js';
import type { BackendPolicy, RateLimitPolicy, RouteTable, SidecarPolicy } from './routing.js';
import {
  ALL_NAMESPACES,
  hostMatches,
  meshWithin,
  normalizedVisibility,
  parseVisibleNamespaces,
  proxyVisibility,
  VISIBLE_NAMESPACES_ANNOTATION,
  visibilityKey,
  visibilityOf,
  visibleMesh,
  visibleMeshFor,
} from './visibility.js';

const origin = (namespace: string) => ({ kind: 'Test', namespace, name: 'x' });

function svc(namespace: string, name: string): Service {
  return {
    namespace,
    name,
    hostname: `${name}.${namespace}.svc.cluster.local`,
    ports: [{ name: 'http', port: 80, transport: 'TCP', protocol: 'HTTP', targetPort: 8080 }],
  };
}

function ns(name: string, visible?: string): Namespace {
  return {
    name,
    labels: {},
    annotations: visible === undefined ? {} : { [VISIBLE_NAMESPACES_ANNOTATION]: visible },
  };
}

const table = (namespace: string, name: string): RouteTable => ({
  service: { namespace, name },
  port: 80,
  http: [],
  tcp: [],
  origins: [origin(namespace)],
});
const policy = (namespace: string, name: string): BackendPolicy => ({
  service: { namespace, name },
  origin: origin(namespace),
  subsets: [],
});
const limit = (namespace: string, name: string): RateLimitPolicy => ({
  origin: origin(namespace),
  service: { namespace, name },
  tokensPerFill: 1,
  fillIntervalMs: 1000,
  maxTokens: 1,
  status: 429,
});

function threeNamespaces(namespaces: readonly Namespace[]): Mesh {
  return {
    ...EMPTY_MESH,
    namespaces,
    services: [svc('a', 'one'), svc('b', 'two'), svc('c', 'three')],
    endpointSlices: ['a', 'b', 'c'].map((n) => ({
      namespace: n,
      name: `s-${n}`,
      serviceName: 'x',
      addressType: 'IPv4' as const,
      ports: [],
      endpoints: [],
    })),
    workloads: [{ namespace: 'c', name: 'pod', labels: {}, serviceAccount: 'default', ports: [] }],
    routing: {
      routeTables: [table('a', 'one'), table('c', 'three')],
      backendPolicies: [policy('b', 'two'), policy('c', 'three')],
      rateLimits: [limit('a', 'one'), limit('c', 'three')],
    },
  };
}

describe('parseVisibleNamespaces', () => {
  it('reads a comma-separated list, trimmed, sorted and without duplicates', () => {
    expect(parseVisibleNamespaces(' b, a ,,b ')).toEqual({ kind: 'namespaces', namespaces: ['a', 'b'] });
  });

  it('reads "*" as every namespace', () => {
    expect(parseVisibleNamespaces('a,*')).toEqual(ALL_NAMESPACES);
  });

  it('reads a blank value as no other namespace', () => {
    expect(parseVisibleNamespaces('  ')).toEqual({ kind: 'namespaces', namespaces: [] });
  });
});

describe('visibilityOf', () => {
  it('follows the namespace annotation and adds the namespace itself', () => {
    const mesh = threeNamespaces([ns('c', 'a')]);
    expect(visibilityOf(mesh, 'c', ALL_NAMESPACES)).toEqual({ kind: 'namespaces', namespaces: ['a', 'c'] });
  });

  it('falls back to the mesh-wide default for a namespace without the annotation', () => {
    const mesh = threeNamespaces([ns('c')]);
    const only = parseVisibleNamespaces('b');
    expect(visibilityOf(mesh, 'c', only)).toEqual({ kind: 'namespaces', namespaces: ['b', 'c'] });
    expect(visibilityOf(mesh, 'unknown', only)).toEqual({ kind: 'namespaces', namespaces: ['b', 'unknown'] });
  });

  it('lets the annotation widen a narrow default', () => {
    const mesh = threeNamespaces([ns('c', '*')]);
    expect(visibilityOf(mesh, 'c', parseVisibleNamespaces(''))).toEqual(ALL_NAMESPACES);
  });
});

describe('visibleMesh', () => {
  it('keeps the whole mesh, as the same object, by default', () => {
    const mesh = threeNamespaces([]);
    expect(visibleMesh(mesh, 'c', ALL_NAMESPACES)).toBe(mesh);
  });

  it('drops the services of namespaces outside the annotation, with their slices, route tables and policies', () => {
    const mesh = threeNamespaces([ns('c', 'a')]);
    const seen = visibleMesh(mesh, 'c', ALL_NAMESPACES);
    expect(seen.services.map((s) => s.namespace)).toEqual(['a', 'c']);
    expect(seen.endpointSlices.map((s) => s.namespace)).toEqual(['a', 'c']);
    expect(seen.routing.routeTables.map((t) => t.service.namespace)).toEqual(['a', 'c']);
    expect(seen.routing.backendPolicies.map((p) => p.service.namespace)).toEqual(['c']);
    expect(seen.routing.rateLimits.map((r) => r.service.namespace)).toEqual(['a', 'c']);
  });

  it('always shows the proxy its own namespace, even with nothing else listed', () => {
    const mesh = threeNamespaces([ns('c', '')]);
    expect(visibleMesh(mesh, 'c', ALL_NAMESPACES).services.map((s) => s.name)).toEqual(['three']);
  });

  it('keeps every workload, so the proxy still finds its own pod', () => {
    const mesh = threeNamespaces([ns('a', 'b')]);
    expect(visibleMesh(mesh, 'a', ALL_NAMESPACES).workloads).toBe(mesh.workloads);
  });

  it('gives every proxy with one visibility the same filtered mesh', () => {
    const mesh = threeNamespaces([ns('a', 'b'), ns('b', 'a')]);
    const fromA = visibleMesh(mesh, 'a', ALL_NAMESPACES);
    expect(visibleMesh(mesh, 'b', ALL_NAMESPACES)).toBe(fromA);
    expect(meshWithin(mesh, { kind: 'namespaces', namespaces: ['a', 'b'] })).toBe(fromA);
  });

  it('keeps an array that loses nothing, so indexes keyed on it still apply', () => {
    const mesh = threeNamespaces([ns('a', 'b,c')]);
    const seen = visibleMesh(mesh, 'a', ALL_NAMESPACES);
    expect(seen.services).toBe(mesh.services);
    expect(seen.routing.routeTables).toBe(mesh.routing.routeTables);
  });
});

const sidecarOf = (
  namespace: string,
  name: string,
  hosts: readonly string[],
  extra: Partial<SidecarPolicy> = {},
): SidecarPolicy => ({
  origin: { kind: 'Sidecar', namespace, name },
  egressHosts: hosts.map((h) => {
    const slash = h.indexOf('/');
    return { namespace: h.slice(0, slash), host: h.slice(slash + 1) };
  }),
  ...extra,
});

function withSidecars(
  mesh: Mesh,
  sidecars: readonly SidecarPolicy[],
  rootNamespace = 'trellis-system',
): Mesh {
  return {
    ...mesh,
    routing: { ...mesh.routing, sidecars },
    config: { trustDomain: 'cluster.local', rootNamespace },
  };
}

describe('normalizedVisibility', () => {
  it('reads */* as every service, a * host as its whole namespace, and sorts and dedupes hosts', () => {
    expect(normalizedVisibility([], [{ namespace: '*', host: '*' }])).toBe(ALL_NAMESPACES);
    expect(
      normalizedVisibility(
        ['b'],
        [
          { namespace: 'c', host: '*' },
          { namespace: 'b', host: 'one.b.svc.cluster.local' },
          { namespace: '*', host: 'x.a.svc.cluster.local' },
          { namespace: 'a', host: '*.example.com' },
          { namespace: '*', host: 'x.a.svc.cluster.local' },
        ],
      ),
    ).toEqual({
      kind: 'namespaces',
      namespaces: ['b', 'c'],
      hosts: [
        { namespace: '*', host: 'x.a.svc.cluster.local' },
        { namespace: 'a', host: '*.example.com' },
      ],
    });
    expect(normalizedVisibility([], [])).toEqual({ kind: 'namespaces', namespaces: [] });
  });

  it('gives hosts their own part of the key', () => {
    expect(visibilityKey({ kind: 'namespaces', namespaces: ['a'] })).toBe('a');
    expect(
      visibilityKey({ kind: 'namespaces', namespaces: ['a'], hosts: [{ namespace: '*', host: 'x.b' }] }),
    ).toBe('a */x.b');
  });
});

describe('hostMatches', () => {
  it('matches *, a *.suffix on whole labels, and exact names', () => {
    expect(hostMatches('*', 'one.a.svc.cluster.local')).toBe(true);
    expect(hostMatches('*.a.svc.cluster.local', 'one.a.svc.cluster.local')).toBe(true);
    expect(hostMatches('*.svc.cluster.local', 'one.a.svc.cluster.local')).toBe(true);
    expect(hostMatches('*.a.svc.cluster.local', 'a.svc.cluster.local')).toBe(false);
    expect(hostMatches('*.ba.svc.cluster.local', 'one.a.svc.cluster.local')).toBe(false);
    expect(hostMatches('one.a.svc.cluster.local', 'one.a.svc.cluster.local')).toBe(true);
    expect(hostMatches('one.a.svc.cluster.local', 'two.a.svc.cluster.local')).toBe(false);
  });
});

describe('proxyVisibility (Sidecar)', () => {
  const base = threeNamespaces([ns('a'), ns('b', 'a'), ns('c')]);
  const podLabels = { app: 'web' };

  it('takes the Sidecar selecting the pod over its namespace default, and that over the root default', () => {
    const mesh = withSidecars(base, [
      sidecarOf('c', 'web', ['a/*'], { selector: podLabels }),
      sidecarOf('c', 'default', ['b/*']),
      sidecarOf('trellis-system', 'default', ['./*']),
    ]);
    expect(proxyVisibility(mesh, { namespace: 'c', labels: podLabels }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['a'],
    });
    expect(proxyVisibility(mesh, { namespace: 'c', labels: { app: 'other' } }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['b'],
    });
    // The pod is not known: no selector can select it.
    expect(proxyVisibility(mesh, { namespace: 'c' }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['b'],
    });
    // "." in the root namespace's default is the proxy's own namespace.
    expect(proxyVisibility(mesh, { namespace: 'a' }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['a'],
    });
  });

  it("puts a namespace's annotation over the root default, and the namespace's own Sidecar over the annotation", () => {
    const mesh = withSidecars(base, [sidecarOf('trellis-system', 'default', [])]);
    // b's annotation says "a": b sees a and itself, whatever the root default.
    expect(proxyVisibility(mesh, { namespace: 'b' }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['a', 'b'],
    });
    expect(proxyVisibility(mesh, { namespace: 'a' }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: [],
    });
    const own = withSidecars(base, [sidecarOf('b', 'default', ['c/*'])]);
    expect(proxyVisibility(own, { namespace: 'b' }, ALL_NAMESPACES)).toEqual({
      kind: 'namespaces',
      namespaces: ['c'],
    });
  });

  it('falls back to the annotation and the server default without a Sidecar, as before', () => {
    const mesh = withSidecars(base, []);
    expect(proxyVisibility(mesh, { namespace: 'b' }, ALL_NAMESPACES)).toEqual(
      visibilityOf(mesh, 'b', ALL_NAMESPACES),
    );
    expect(proxyVisibility(mesh, { namespace: 'c' }, parseVisibleNamespaces('a'))).toEqual({
      kind: 'namespaces',
      namespaces: ['a', 'c'],
    });
  });

  it("keeps visible the services that select the proxy's own pod, which its inbound side is built from", () => {
    const selecting: Service = { ...svc('c', 'three'), selector: { app: 'web' } };
    const mesh = withSidecars({ ...base, services: [svc('a', 'one'), svc('b', 'two'), selecting] }, [
      sidecarOf('c', 'default', ['a/*']),
    ]);
    const seen = proxyVisibility(mesh, { namespace: 'c', labels: { app: 'web', v: '1' } }, ALL_NAMESPACES);
    expect(seen).toEqual({
      kind: 'namespaces',
      namespaces: ['a'],
      hosts: [{ namespace: 'c', host: 'three.c.svc.cluster.local' }],
    });
    expect(meshWithin(mesh, seen).services.map((s) => s.name)).toEqual(['one', 'three']);
    expect(meshWithin(mesh, seen).routing.rateLimits.map((r) => r.service.name)).toEqual(['one', 'three']);
  });

  it('drops the services, slices, tables and policies a host does not match', () => {
    const mesh = withSidecars(base, [
      sidecarOf('c', 'default', ['*/two.b.svc.cluster.local', 'c/*.a.svc.cluster.local']),
    ]);
    const seen = visibleMeshFor(mesh, { namespace: 'c' }, ALL_NAMESPACES);
    expect(seen.services.map((s) => s.name)).toEqual(['two']);
    expect(seen.endpointSlices).toEqual([]);
    expect(seen.routing.routeTables).toEqual([]);
    expect(seen.routing.backendPolicies.map((p) => p.service.name)).toEqual(['two']);
    const wide = withSidecars(base, [
      sidecarOf('c', 'default', ['*/*.a.svc.cluster.local', '*/two.b.svc.cluster.local']),
    ]);
    const all = visibleMeshFor(wide, { namespace: 'c' }, ALL_NAMESPACES);
    expect(all.services.map((s) => s.name)).toEqual(['one', 'two']);
    expect(all.routing.routeTables.map((t) => t.service.name)).toEqual(['one']);
  });

  it('gives proxies of different namespaces under one root "./*" default different views, and equal ones the same', () => {
    const mesh = withSidecars(base, [sidecarOf('trellis-system', 'default', ['./*'])]);
    const a = visibleMeshFor(mesh, { namespace: 'a' }, ALL_NAMESPACES);
    expect(a.services.map((s) => s.name)).toEqual(['one']);
    expect(visibleMeshFor(mesh, { namespace: 'c' }, ALL_NAMESPACES).services.map((s) => s.name)).toEqual([
      'three',
    ]);
    expect(visibleMeshFor(mesh, { namespace: 'a', labels: {} }, ALL_NAMESPACES)).toBe(a);
  });
});
