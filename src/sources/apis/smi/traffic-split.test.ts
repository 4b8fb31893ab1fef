import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { smiFamily } from './smi-family.js';

const ctx = { clusterDomain: 'cluster.local' };

function docs(...texts: string[]): ManifestDocument[] {
  return texts.map((text, documentIndex) => ({ origin: 'smi.yaml', documentIndex, value: parse(text) }));
}

function run(...texts: string[]) {
  const { fragment, issues } = smiFamily.parse(docs(...texts), ctx);
  return { routes: fragment.routes ?? [], issues: issues.map(formatIssue), raw: issues };
}

const split = (spec: string, version = 'v1alpha4', meta = 'name: canary, namespace: shop') =>
  `{ apiVersion: split.smi-spec.io/${version}, kind: TrafficSplit, metadata: { ${meta} }, spec: ${spec} }`;

const origin = { kind: 'TrafficSplit', namespace: 'shop', name: 'canary' };
const svc = (name: string, weight: number) =>
  ({ kind: 'service', service: { namespace: 'shop', name }, weight }) as const;

describe('TrafficSplit', () => {
  it('splits every request and connection to the root service between weighted backends', () => {
    const { routes, issues } = run(
      split('{ service: web, backends: [{ service: web-v1, weight: 90 }, { service: web-v2, weight: 10 }] }'),
    );
    expect(issues).toEqual([]);
    expect(routes).toEqual([
      {
        family: 'smi',
        origin,
        service: { namespace: 'shop', name: 'web' },
        http: [
          {
            name: 'TrafficSplit/shop/canary/0',
            origin,
            match: {},
            action: { kind: 'forward', backends: [svc('web-v1', 90), svc('web-v2', 10)] },
          },
        ],
        tcp: [
          { name: 'TrafficSplit/shop/canary/tcp', origin, backends: [svc('web-v1', 90), svc('web-v2', 10)] },
        ],
      },
    ]);
  });

  it('reads every version it serves, v1alpha2 without matches', () => {
    for (const version of ['v1alpha2', 'v1alpha3', 'v1alpha4']) {
      const { routes, issues } = run(
        split('{ service: web, backends: [{ service: web-v1, weight: 1 }] }', version),
      );
      expect(issues, version).toEqual([]);
      expect(routes[0]?.http).toHaveLength(1);
    }
  });

  it('accepts the root service as a backend: it means the endpoints its own selector selects', () => {
    const { routes, issues } = run(
      split(
        '{ service: web, backends: [{ service: web, weight: 900 }, { service: web-next, weight: 100 }] }',
      ),
    );
    expect(issues).toEqual([]);
    expect(routes[0]?.http[0]?.action).toEqual({
      kind: 'forward',
      backends: [svc('web', 900), svc('web-next', 100)],
    });
  });

  it('accepts service names written as hostnames in the same namespace', () => {
    const { routes, issues } = run(
      split(
        '{ service: web.shop.svc.cluster.local, backends: [{ service: web-v1.shop, weight: 1 }, { service: web-v2.shop.svc, weight: 1 }] }',
      ),
    );
    expect(issues).toEqual([]);
    expect(routes[0]?.service).toEqual({ namespace: 'shop', name: 'web' });
    expect(routes[0]?.tcp[0]?.backends).toEqual([svc('web-v1', 1), svc('web-v2', 1)]);
  });

  it('keeps the creation timestamp so the oldest split wins a conflict', () => {
    const { routes } = run(
      split(
        '{ service: web, backends: [{ service: web-v1, weight: 1 }] }',
        'v1alpha4',
        'name: canary, namespace: shop, creationTimestamp: "2024-01-02T03:04:05Z"',
      ),
    );
    expect(routes[0]?.createdAt).toBe('2024-01-02T03:04:05Z');
  });

  it('answers with 500 when every backend has weight 0, with a warning', () => {
    const { routes, issues, raw } = run(
      split('{ service: web, backends: [{ service: web-v1, weight: 0 }, { service: web-v2, weight: 0 }] }'),
    );
    expect(issues).toEqual([
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends: every backend has weight 0: the requests this split carries are answered with HTTP 500',
    ]);
    expect(raw[0]?.severity).toBe('warning');
    expect(routes[0]?.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(routes[0]?.tcp[0]?.backends).toEqual([
      { kind: 'invalid', weight: 1, status: 500, reason: 'every backend has weight 0' },
    ]);
  });

  it('rejects a weight out of range with its field path, and serves nothing for that split', () => {
    const { routes, issues } = run(
      split(
        '{ service: web, backends: [{ service: web-v1, weight: -1 }, { service: web-v2, weight: 1000001 }] }',
      ),
      split('{ service: web, backends: [{ service: web-v1, weight: 50m }] }', 'v1alpha4', 'name: quantity'),
    );
    expect(routes).toEqual([]);
    expect(issues).toEqual([
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends[0].weight: must be an integer 0..1000000, got -1',
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends[1].weight: must be an integer 0..1000000, got 1000001',
      'smi.yaml[doc 1]: TrafficSplit default/quantity: spec.backends[0].weight: must be an integer 0..1000000, got "50m"',
    ]);
  });

  it('requires a root service and at least one backend', () => {
    const { routes, raw } = run(split('{ backends: [] }'), split('{ service: web }', 'v1alpha4', 'name: b'));
    expect(routes).toEqual([]);
    expect(raw.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'InvalidValue',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends: must list at least one backend, got an empty list',
      ],
      ['MissingField', 'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.service: is required'],
      ['MissingField', 'smi.yaml[doc 1]: TrafficSplit default/b: spec.backends: is required'],
    ]);
  });

  it('rejects services in another namespace or not named as services are', () => {
    const { routes, issues } = run(
      split(
        '{ service: web.other, backends: [{ service: Web_V1, weight: 1 }, { service: web.shop.svc.corp, weight: 1 }] }',
      ),
    );
    expect(routes).toEqual([]);
    expect(issues).toEqual([
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends[0].service: must be a Service name, or name.shop, name.shop.svc or name.shop.svc.cluster.local, got "Web_V1"',
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends[1].service: must end in the cluster domain "cluster.local", got "web.shop.svc.corp"',
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.service: must name a Service in the TrafficSplit\'s namespace "shop" (SMI splits within one namespace), got "web.other"',
    ]);
  });

  it('warns about fields it does not read, naming the versions that have them', () => {
    const { routes, issues, raw } = run(
      split(
        '{ service: web, backends: [{ service: web-v1, weight: 1, port: 80 }], matches: [{ kind: HTTPRouteGroup, name: g }], mirror: x }',
        'v1alpha2',
      ),
    );
    expect(routes).toHaveLength(1);
    expect(routes[0]?.http.map((r) => r.match)).toEqual([{}]);
    expect(raw.every((i) => i.severity === 'warning' && i.reason === 'UnsupportedField')).toBe(true);
    expect(issues).toEqual([
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.backends[0].port: is not a field of TrafficSplit split.smi-spec.io/v1alpha2; ignored',
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches: is not a field of TrafficSplit split.smi-spec.io/v1alpha2 (it is read in v1alpha3, v1alpha4); ignored',
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.mirror: is not a field of TrafficSplit split.smi-spec.io/v1alpha2; ignored',
    ]);
  });

  it('reports a key written as a path ("backends[].weight") as an unknown field, not as the path it spells', () => {
    const { routes, issues } = run(
      split('{ service: web, backends: [{ service: web-v1, weight: 1 }], "backends[].weight": 5 }'),
    );
    expect(routes).toHaveLength(1);
    expect(issues).toEqual([
      'smi.yaml[doc 0]: TrafficSplit shop/canary: spec["backends[].weight"]: is not a field of TrafficSplit split.smi-spec.io/v1alpha4; ignored',
    ]);
  });
});

describe('TrafficSplit with HTTPRouteGroup matches', () => {
  const group = (name: string, matches: string, version = 'v1alpha4') =>
    version === 'v1alpha2'
      ? `{ apiVersion: specs.smi-spec.io/v1alpha2, kind: HTTPRouteGroup, metadata: { name: ${name}, namespace: shop }, matches: ${matches} }`
      : `{ apiVersion: specs.smi-spec.io/${version}, kind: HTTPRouteGroup, metadata: { name: ${name}, namespace: shop }, spec: { matches: ${matches} } }`;
  const backends = '[{ service: web-v1, weight: 0 }, { service: web-v2, weight: 100 }]';
  const forward = { kind: 'forward', backends: [svc('web-v1', 0), svc('web-v2', 100)] };
  const toRoot = { kind: 'forward', backends: [svc('web', 1)] };

  it('splits only the matching requests, one route per match and method, and sends the rest to the root service', () => {
    const { routes, issues } = run(
      split(`{ service: web, matches: [{ kind: HTTPRouteGroup, name: ab-test }], backends: ${backends} }`),
      group(
        'ab-test',
        `[
          { name: metrics, pathRegex: /metrics, methods: [GET, HEAD] },
          { name: android, headers: { User-Agent: ".*Android.*", cookie: "^(.*?;)?(type=insider)(;.*)?$" } },
          { name: any, pathRegex: /ping, methods: ["*", GET] }
        ]`,
      ),
    );
    expect(issues).toEqual([]);
    expect(routes).toHaveLength(1);
    expect(routes[0]?.tcp).toEqual([]);
    expect(routes[0]?.http).toEqual([
      {
        name: 'TrafficSplit/shop/canary/0',
        origin,
        match: { path: { kind: 'regex', value: '(?:/metrics).*' }, method: 'GET' },
        action: forward,
      },
      {
        name: 'TrafficSplit/shop/canary/1',
        origin,
        match: { path: { kind: 'regex', value: '(?:/metrics).*' }, method: 'HEAD' },
        action: forward,
      },
      {
        name: 'TrafficSplit/shop/canary/2',
        origin,
        match: {
          headers: [
            { name: 'user-agent', match: { kind: 'regex', value: '.*Android.*' } },
            { name: 'cookie', match: { kind: 'regex', value: '^(.*?;)?(type=insider)(;.*)?$' } },
          ],
        },
        action: forward,
      },
      {
        name: 'TrafficSplit/shop/canary/3',
        origin,
        match: { path: { kind: 'regex', value: '(?:/ping).*' } },
        action: forward,
      },
      { name: 'TrafficSplit/shop/canary/4', origin, match: {}, action: toRoot },
    ]);
  });

  it('reads v1alpha2 groups, with top-level matches and headers as a list of maps', () => {
    const { routes, issues } = run(
      split(
        `{ service: web, matches: [{ kind: HTTPRouteGroup, name: g, apiGroup: specs.smi-spec.io }], backends: ${backends} }`,
        'v1alpha3',
      ),
      group('g', '[{ name: firefox, headers: [{ user-agent: ".*Firefox.*" }] }]', 'v1alpha2'),
    );
    expect(issues).toEqual([]);
    expect(routes[0]?.http.map((r) => r.match)).toEqual([
      { headers: [{ name: 'user-agent', match: { kind: 'regex', value: '.*Firefox.*' } }] },
      {},
    ]);
  });

  it('merges several groups in the order they are listed', () => {
    const { routes } = run(
      split(
        `{ service: web, matches: [{ kind: HTTPRouteGroup, name: b }, { kind: HTTPRouteGroup, name: a }], backends: ${backends} }`,
      ),
      group('a', '[{ name: a, pathRegex: /a }]'),
      group('b', '[{ name: b, pathRegex: /b }]', 'v1alpha3'),
    );
    expect(routes[0]?.http.map((r) => r.match.path)).toEqual([
      { kind: 'regex', value: '(?:/b).*' },
      { kind: 'regex', value: '(?:/a).*' },
      undefined,
    ]);
  });

  it('skips a match naming a missing or invalid group, an unsupported kind or another API group', () => {
    const { routes, raw } = run(
      split(
        `{ service: web, matches: [
          { kind: HTTPRouteGroup, name: missing },
          { kind: HTTPRouteGroup, name: broken },
          { kind: TCPRoute, name: tcp },
          { kind: HTTPRouteGroup, name: ok, apiGroup: gateway.networking.k8s.io },
          { kind: HTTPRouteGroup },
          { kind: HTTPRouteGroup, name: ok }
        ], backends: ${backends} }`,
      ),
      group('broken', '{ not: a list }'),
      group('ok', '[{ name: ok, pathRegex: /ok }]'),
    );
    expect(raw.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'BadReference',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches[0].name: HTTPRouteGroup shop/missing does not exist; this match is skipped',
      ],
      [
        'BadReference',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches[1].name: HTTPRouteGroup shop/broken is invalid (see its own issues); this match is skipped',
      ],
      [
        'UnsupportedValue',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches[2].kind: only HTTPRouteGroup matches are supported, got "TCPRoute"; this match is skipped',
      ],
      [
        'InvalidValue',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches[3].apiGroup: must be "specs.smi-spec.io", got "gateway.networking.k8s.io"; this match is skipped',
      ],
      [
        'MissingField',
        'smi.yaml[doc 0]: TrafficSplit shop/canary: spec.matches[4].name: is required; this match is skipped',
      ],
      [
        'InvalidType',
        'smi.yaml[doc 1]: HTTPRouteGroup shop/broken: spec.matches: must be a list, got a mapping',
      ],
    ]);
    expect(routes[0]?.http.map((r) => r.match)).toEqual([
      { path: { kind: 'regex', value: '(?:/ok).*' } },
      {},
    ]);
  });

  it('sends everything to the root service when no match can be followed', () => {
    const { routes } = run(
      split(`{ service: web, matches: [{ kind: HTTPRouteGroup, name: missing }], backends: ${backends} }`),
    );
    expect(routes[0]?.http).toEqual([
      { name: 'TrafficSplit/shop/canary/0', origin, match: {}, action: toRoot },
    ]);
  });

  it('splits everything when matches is empty, as Go reads an empty list', () => {
    const { routes } = run(split(`{ service: web, matches: [], backends: ${backends} }`));
    expect(routes[0]?.http.map((r) => r.match)).toEqual([{}]);
    expect(routes[0]?.tcp).toHaveLength(1);
  });

  it('does not find a group in another namespace', () => {
    const { raw } = run(
      split(`{ service: web, matches: [{ kind: HTTPRouteGroup, name: g }], backends: ${backends} }`),
      '{ apiVersion: specs.smi-spec.io/v1alpha4, kind: HTTPRouteGroup, metadata: { name: g, namespace: other }, spec: { matches: [{ name: a }] } }',
    );
    expect(raw.map((i) => i.reason)).toEqual(['BadReference']);
  });
});
