import { describe, expect, it } from 'vitest';
import type { Mesh, Namespace, Service } from './mesh.js';
import { EMPTY_MESH } from './mesh.js';
import type { BackendPolicy, RateLimitPolicy, RouteTable } from './routing.js';
import {
  ALL_NAMESPACES,
  meshWithin,
  parseVisibleNamespaces,
  VISIBLE_NAMESPACES_ANNOTATION,
  visibilityOf,
  visibleMesh,
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
