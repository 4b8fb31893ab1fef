import { describe, expect, it } from 'vitest';
import { httpRoute, PREFIX, parseYaml } from './test-fixtures.js';

const backend = 'backendRefs: [{ name: reviews-v1, port: 9080 }]';
/** A second, valid rule, so that a broken first rule does not reject the whole route. */
const healthy = `    - ${backend}\n`;

function withFilters(filters: string, rest = backend, matches = '') {
  return parseYaml(httpRoute(`    - ${matches}filters: ${filters}\n      ${rest}\n${healthy}`));
}

describe('HTTPRoute filters', () => {
  it('lowers RequestHeaderModifier and ResponseHeaderModifier to header edits', () => {
    const parsed = withFilters(`
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{ name: X-Env, value: prod }]
            add: [{ name: x-trace, value: "a, b" }]
            remove: [x-debug]
        - type: ResponseHeaderModifier
          responseHeaderModifier: { remove: [server] }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]).toMatchObject({
      requestHeaders: {
        set: [{ name: 'X-Env', value: 'prod' }],
        add: [{ name: 'x-trace', value: 'a, b' }],
        remove: ['x-debug'],
      },
      responseHeaders: { remove: ['server'] },
    });
  });

  it('rejects two actions on one header name, compared without case', () => {
    const parsed = withFilters(`
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: X-Env, value: a }], remove: [x-env] }`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].requestHeaderModifier.remove[0]: header "x-env" already has an action in set[0]; one action per header name`,
    ]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
  });

  it('lowers RequestRedirect, defaulting the status to 302', () => {
    const parsed = withFilters(
      `
        - type: RequestRedirect
          requestRedirect:
            scheme: https
            hostname: www.example.com
            port: 8443
            path: { type: ReplaceFullPath, replaceFullPath: /new }`,
      'backendRefs: []',
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.action).toEqual({
      kind: 'redirect',
      redirect: {
        scheme: 'https',
        host: 'www.example.com',
        port: 8443,
        path: { kind: 'full', value: '/new' },
        status: 302,
      },
    });
  });

  it('allows ReplacePrefixMatch with exactly one PathPrefix match, the empty replacement included', () => {
    const parsed = withFilters(
      `[{ type: RequestRedirect, requestRedirect: { statusCode: 301, path: { type: ReplacePrefixMatch, replacePrefixMatch: "" } } }]`,
      'backendRefs: []',
      'matches: [{ path: { value: /old } }]\n      ',
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.action).toEqual({
      kind: 'redirect',
      redirect: { path: { kind: 'prefix', value: '' }, status: 301 },
    });
  });

  it('rejects ReplacePrefixMatch on an Exact match', () => {
    const parsed = withFilters(
      `[{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /v2 } } }]`,
      backend,
      'matches: [{ path: { type: Exact, value: /v1 } }]\n      ',
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].urlRewrite.path.type: ReplacePrefixMatch needs the rule to have exactly one match, of type PathPrefix`,
    ]);
  });

  it('rejects a redirect together with backendRefs, and answers the rule 500', () => {
    const parsed = withFilters(`[{ type: RequestRedirect, requestRedirect: { hostname: example.com } }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0]: a RequestRedirect rule answers every request itself: it must not have backendRefs`,
    ]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(parsed.http[1]?.action.kind).toBe('forward');
  });

  it('rejects RequestRedirect with URLRewrite and a repeated RequestHeaderModifier', () => {
    const parsed = withFilters(
      `
        - { type: RequestHeaderModifier, requestHeaderModifier: { remove: [a] } }
        - { type: RequestHeaderModifier, requestHeaderModifier: { remove: [b] } }
        - { type: URLRewrite, urlRewrite: { hostname: a.example.com } }
        - { type: RequestRedirect, requestRedirect: { hostname: b.example.com } }`,
      'backendRefs: []',
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[1].type: repeats the RequestHeaderModifier filter of filters[0]; it may appear once per rule`,
      `${PREFIX}spec.rules[0].filters[3].type: RequestRedirect and URLRewrite may not be used in the same rule`,
    ]);
  });

  it('lowers URLRewrite to a host and path rewrite on the forwarded request', () => {
    const parsed = withFilters(
      `[{ type: URLRewrite, urlRewrite: { hostname: internal.shop, path: { type: ReplacePrefixMatch, replacePrefixMatch: /v2 } } }]`,
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.rewrite).toEqual({
      host: 'internal.shop',
      path: { kind: 'prefix', value: '/v2' },
    });
  });

  it('lowers RequestMirror with percent, fraction, or the default of 100', () => {
    const parsed = withFilters(`
        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow, port: 80 } } }
        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow2, port: 80 }, percent: 10 } }
        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow3, port: 80 }, fraction: { numerator: 1, denominator: 8 } } }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.mirrors).toEqual([
      { service: { namespace: 'shop', name: 'shadow' }, port: 80, percent: 100 },
      { service: { namespace: 'shop', name: 'shadow2' }, port: 80, percent: 10 },
      { service: { namespace: 'shop', name: 'shadow3' }, port: 80, percent: 12.5 },
    ]);
  });

  it('rejects a mirror with both percent and fraction, or a fraction above 1', () => {
    const parsed = withFilters(`
        - { type: RequestMirror, requestMirror: { backendRef: { name: s, port: 80 }, percent: 5, fraction: { numerator: 1 } } }
        - { type: RequestMirror, requestMirror: { backendRef: { name: s, port: 80 }, fraction: { numerator: 3, denominator: 2 } } }`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].requestMirror.fraction: must not be set together with percent: give one or the other`,
      `${PREFIX}spec.rules[0].filters[1].requestMirror.fraction.numerator: must be at most the denominator (2), got 3`,
    ]);
  });

  it('drops a mirror to a kind that is not a Service, saying so in ResolvedRefs, and keeps the rule', () => {
    const parsed = withFilters(
      `[{ type: RequestMirror, requestMirror: { backendRef: { group: example.io, kind: Bucket, name: logs } } }]`,
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].requestMirror.backendRef.kind: refers to example.io Bucket "logs": only Services (group "", kind Service) can be backends; the mirror is dropped`,
    ]);
    expect(parsed.http[0]?.action.kind).toBe('forward');
    expect(parsed.http[0]?.mirrors).toBeUndefined();
    expect(parsed.statuses[0]?.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'InvalidKind',
    });
  });

  it('lowers CORS, with wildcard origins as regexes and the spec default max age of 5 seconds', () => {
    const parsed = withFilters(`
        - type: CORS
          cors:
            allowOrigins: [https://shop.example.com, "https://*.example.com"]
            allowMethods: [GET, POST]
            allowHeaders: [x-user]
            exposeHeaders: [x-trace]
            allowCredentials: true`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.cors).toEqual({
      allowOrigins: [
        { kind: 'exact', value: 'https://shop.example.com' },
        { kind: 'regex', value: 'https://.*\\.example\\.com' },
      ],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['x-user'],
      exposeHeaders: ['x-trace'],
      maxAgeSeconds: 5,
      allowCredentials: true,
    });
  });

  it('rejects "*" alongside other origins', () => {
    const parsed = withFilters(`[{ type: CORS, cors: { allowOrigins: ["*", https://a.example.com] } }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].cors.allowOrigins: must not list "*" alongside other values, got a list`,
    ]);
  });

  it('fails closed on an ExtensionRef filter: a warning, 500 for the rule, ResolvedRefs=False', () => {
    const parsed = withFilters(
      `[{ type: ExtensionRef, extensionRef: { group: example.io, kind: Auth, name: sso } }]`,
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.rules[0].filters[0].extensionRef: is not supported: custom filters are not implemented: requests matching the rule are answered with an error, as the spec requires`,
    ]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(parsed.statuses[0]?.conditions.find((c) => c.type === 'ResolvedRefs')).toEqual({
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'InvalidKind',
      message:
        'spec.rules[0].filters[0]: ExtensionRef filters are not implemented; requests matching the rule are answered 500',
    });
  });

  it('requires the field that matches the filter type and refuses the others', () => {
    const parsed = withFilters(`[{ type: RequestHeaderModifier, responseHeaderModifier: { remove: [a] } }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].requestHeaderModifier: is required when type is RequestHeaderModifier`,
      `${PREFIX}spec.rules[0].filters[0].responseHeaderModifier: must not be set when type is RequestHeaderModifier`,
    ]);
  });

  it('rejects an unknown filter type and an out-of-range redirect status', () => {
    const parsed = withFilters(
      `[{ type: Compress }, { type: RequestRedirect, requestRedirect: { statusCode: 304 } }]`,
      'backendRefs: []',
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].filters[0].type: must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite, CORS, ExtensionRef, ExternalAuth, got "Compress"`,
      `${PREFIX}spec.rules[0].filters[1].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308, got 304`,
    ]);
  });

  it('warns that filters on a single backend are ignored', () => {
    const parsed = withFilters(
      '[]',
      'backendRefs: [{ name: v1, port: 80, filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { remove: [a] } }] }]',
    );
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.rules[0].backendRefs[0].filters: is not supported: ignored: filters on a single backend are not implemented; put them on the rule instead`,
    ]);
    expect(parsed.http[0]?.action.kind).toBe('forward');
  });
});
