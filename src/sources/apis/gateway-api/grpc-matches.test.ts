import { describe, expect, it } from 'vitest';
import { GRPC_PREFIX, grpcRoute, parseYaml } from './test-fixtures.js';

const backend = 'backendRefs: [{ name: greeter-v2, port: 9090 }]';
const healthy = `    - ${backend}\n`;

function withMatches(matches: string) {
  return parseYaml(grpcRoute(`    - matches: ${matches}\n      ${backend}\n${healthy}`));
}

describe('GRPCRoute matches', () => {
  it('matches every call when a rule has no matches', () => {
    const parsed = parseYaml(grpcRoute(`    - ${backend}\n`));
    expect(parsed.messages).toEqual([]);
    expect(parsed.http.map((r) => [r.name, r.match])).toEqual([['GRPCRoute/shop/greeter/0/0', {}]]);
    expect(parsed.contributions[0]).toMatchObject({
      service: { namespace: 'shop', name: 'greeter' },
      port: 9090,
    });
  });

  it('lowers exact service+method, service only, and method only to paths', () => {
    const parsed = withMatches(`
        - method: { service: helloworld.Greeter, method: SayHello }
        - method: { service: helloworld.Greeter }
        - method: { method: SayHello }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http.slice(0, 3).map((r) => r.match.path)).toEqual([
      { kind: 'exact', value: '/helloworld.Greeter/SayHello' },
      { kind: 'prefix', value: '/helloworld.Greeter/' },
      { kind: 'regex', value: '/[^/]+/SayHello' },
    ]);
  });

  it('joins RegularExpression service and method into one path regex', () => {
    const parsed = withMatches(`
        - method: { type: RegularExpression, service: "helloworld\\\\..*", method: "Say.*" }
        - method: { type: RegularExpression, method: "Get|List" }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http.slice(0, 2).map((r) => r.match.path)).toEqual([
      { kind: 'regex', value: '/(?:helloworld\\..*)/(?:Say.*)' },
      { kind: 'regex', value: '/[^/]+/(?:Get|List)' },
    ]);
  });

  it('lowers header matches, names without case', () => {
    const parsed = withMatches(
      `[{ headers: [{ name: X-Tenant, value: acme }, { type: RegularExpression, name: x-v, value: "v[12]" }] }]`,
    );
    expect(parsed.http[0]?.match.headers).toEqual([
      { name: 'x-tenant', match: { kind: 'exact', value: 'acme' } },
      { name: 'x-v', match: { kind: 'regex', value: 'v[12]' } },
    ]);
  });

  it('rejects a method match with neither service nor method, and malformed exact names', () => {
    const parsed = withMatches(`
        - method: { type: Exact }
        - method: { service: "hello/world", method: "Say-Hello" }`);
    expect(parsed.errors).toEqual([
      `${GRPC_PREFIX}spec.rules[0].matches[0].method: must set service, method or both; the match is ignored`,
      `${GRPC_PREFIX}spec.rules[0].matches[1].method.method: must be a gRPC method name: a letter or "_", then letters, digits or "_", got "Say-Hello"; the match is ignored`,
      `${GRPC_PREFIX}spec.rules[0].matches[1].method.service: must be a gRPC service name such as "pkg.v1.Greeter", got "hello/world"; the match is ignored`,
    ]);
  });

  it('answers unresolvable backends and broken rules 503, which gRPC clients read as UNAVAILABLE', () => {
    const parsed = parseYaml(
      grpcRoute(
        `    - backendRefs: [{ kind: Pod, name: p, port: 1 }]\n    - filters: [{ type: Bogus }]\n      ${backend}\n${healthy}`,
      ),
    );
    expect(parsed.http.slice(0, 2).map((r) => r.action)).toEqual([
      { kind: 'direct', status: 503 },
      { kind: 'direct', status: 503 },
    ]);
  });

  it('reports HTTPRoute-only fields on a GRPCRoute as not in its API', () => {
    const parsed = parseYaml(
      grpcRoute(
        `    - ${backend}\n      timeouts: { request: 1s }\n      filters: [{ type: RequestRedirect, requestRedirect: {} }]\n`,
      ),
    );
    expect(parsed.messages).toEqual([
      `${GRPC_PREFIX}spec.rules[0].filters[0].requestRedirect: is not a field of GRPCRoute gateway.networking.k8s.io/v1; it is ignored`,
      `${GRPC_PREFIX}spec.rules[0].filters[0].type: must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef, got "RequestRedirect"`,
      `${GRPC_PREFIX}spec.rules[0].timeouts: is not a field of GRPCRoute gateway.networking.k8s.io/v1; it is ignored`,
    ]);
  });
});
