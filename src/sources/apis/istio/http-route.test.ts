import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { HttpRoute } from '../../../model/routing.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

const DESTINATION_RULE = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---`;

/** The http routes of one VirtualService for host reviews in namespace shop, with the subsets v1 and v2. */
function lower(http: string): { http: readonly HttpRoute[]; messages: string[] } {
  const text = `${DESTINATION_RULE}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
${http}`;
  const docs = parseAllDocuments(text).map((d, i) => ({
    origin: 'vs.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));
  const { fragment, issues } = istioFamily.parse(docs, { clusterDomain: 'cluster.local' });
  const prefix = 'vs.yaml[doc 1]: VirtualService shop/reviews: ';
  return {
    http: fragment.routes?.[0]?.http ?? [],
    messages: sortIssues(issues)
      .map(formatIssue)
      .map((m) => (m.startsWith(prefix) ? m.slice(prefix.length) : m)),
  };
}

const reviews = (extra: object = {}) => ({
  kind: 'service',
  service: { namespace: 'shop', name: 'reviews' },
  ...extra,
});

describe('VirtualService http rules: destinations', () => {
  it('splits traffic by weight between hosts, subsets and ports', () => {
    const { http, messages } = lower(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 75 }
    - { destination: { host: reviews.shop.svc.cluster.local, subset: v2, port: { number: 9080 } }, weight: 25 }
    - { destination: { host: ratings }, weight: 0 }`);
    expect(messages).toEqual([]);
    expect(http[0]?.action).toEqual({
      kind: 'forward',
      backends: [
        reviews({ subset: 'v1', weight: 75 }),
        reviews({ port: 9080, subset: 'v2', weight: 25 }),
        { kind: 'service', service: { namespace: 'shop', name: 'ratings' }, weight: 0 },
      ],
    });
  });

  it('sends all traffic to a single destination whatever its weight', () => {
    const { http } = lower(`  - route: [{ destination: { host: reviews }, weight: 30 }]`);
    expect(http[0]?.action).toEqual({ kind: 'forward', backends: [reviews({ weight: 100 })] });
  });

  it('shares traffic by weight/(sum of weights), as current Istio does', () => {
    const { http } = lower(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 60 }
    - { destination: { host: reviews, subset: v2 }, weight: 30 }`);
    expect(http[0]?.action).toEqual({
      kind: 'forward',
      backends: [reviews({ subset: 'v1', weight: 60 }), reviews({ subset: 'v2', weight: 30 })],
    });
  });

  it('drops a rule whose weights are all 0 or out of range, and serves the next', () => {
    const { http, messages } = lower(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 0 }
    - { destination: { host: reviews, subset: v2 } }
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 101 }
    - { destination: { host: reviews, subset: v2 }, weight: -1 }
  - route: [{ destination: { host: reviews } }]`);
    expect(http.map((r) => r.name)).toEqual(['VirtualService/shop/reviews/2']);
    expect(messages).toEqual([
      'spec.http[0].route: with several destinations, at least one needs a weight above 0',
      'spec.http[1].route[0].weight: must be an integer 0..100, got 101',
      'spec.http[1].route[1].weight: must be an integer 0..100, got -1',
    ]);
  });

  it('answers 503 for the share of an external host or an undefined subset, with a warning', () => {
    const { http, messages } = lower(`  - route:
    - { destination: { host: httpbin.org.example }, weight: 20 }
    - { destination: { host: reviews, subset: v3 }, weight: 30 }
    - { destination: { host: reviews, subset: v1 }, weight: 50 }`);
    expect(http[0]?.action).toEqual({
      kind: 'forward',
      backends: [
        {
          kind: 'invalid',
          weight: 20,
          status: 503,
          reason: 'destination httpbin.org.example cannot be reached',
        },
        {
          kind: 'invalid',
          weight: 30,
          status: 503,
          reason: 'destination reviews subset v3 cannot be reached',
        },
        reviews({ subset: 'v1', weight: 50 }),
      ],
    });
    expect(messages).toEqual([
      'spec.http[0].route[0].destination.host: "httpbin.org.example" is not a service of the cluster (<name>, <name>.<namespace> or <name>.<namespace>.svc.cluster.local); external hosts are not supported; its share of requests is answered with 503',
      'spec.http[0].route[1].destination.subset: no DestinationRule defines subset "v3" for service reviews.shop; its share of requests is answered with 503',
    ]);
  });

  it('requires one action per rule, and skips a delegating rule after its warning', () => {
    const { http, messages } = lower(`  - match: [{ uri: { prefix: /a } }]
  - route: [{ destination: { host: reviews } }]
    redirect: { uri: /b }
  - delegate: { name: reviews-v2, namespace: shop }
  - directResponse: { status: 404 }`);
    expect(http.map((r) => r.name)).toEqual(['VirtualService/shop/reviews/3']);
    expect(messages).toEqual([
      'spec.http[0].route: is required: a rule needs route, redirect or directResponse',
      'spec.http[1]: must set only one of route, redirect, directResponse, got route and redirect',
      'spec.http[2].delegate: is not supported; the rule is skipped (delegate VirtualServices are not read)',
    ]);
  });
});

describe('VirtualService http rules: redirects, direct responses and rewrites', () => {
  it('redirects with a full path, host, port, scheme and code (301 by default)', () => {
    const { http } =
      lower(`  - redirect: { uri: /v2/login, authority: login.example.com, port: 8443, scheme: https, redirectCode: 308 }
  - redirect: { authority: other }`);
    expect(http.map((r) => r.action)).toEqual([
      {
        kind: 'redirect',
        redirect: {
          scheme: 'https',
          host: 'login.example.com',
          port: 8443,
          path: { kind: 'full', value: '/v2/login' },
          status: 308,
        },
      },
      { kind: 'redirect', redirect: { host: 'other', status: 301 } },
    ]);
  });

  it('replaces the matched prefix on a prefixRewrite redirect, the whole path on an exact match', () => {
    const { http } = lower(`  - match: [{ uri: { prefix: /old } }, { uri: { exact: /legacy } }]
    redirect: { prefixRewrite: /new }`);
    expect(http.map((r) => r.action)).toEqual([
      { kind: 'redirect', redirect: { path: { kind: 'prefix', value: '/new' }, status: 301 } },
      { kind: 'redirect', redirect: { path: { kind: 'full', value: '/new' }, status: 301 } },
    ]);
  });

  it('refuses a redirect code Envoy cannot send', () => {
    expect(lower(`  - redirect: { uri: /b, redirectCode: 300 }`).messages).toEqual([
      'spec.http[0].redirect.redirectCode: must be one of 301, 302, 303, 307, 308, got 300',
    ]);
  });

  it('answers directly with a status and a body', () => {
    const { http } = lower(`  - directResponse: { status: 503, body: { string: "maintenance" } }`);
    expect(http[0]?.action).toEqual({ kind: 'direct', status: 503, body: 'maintenance' });
  });

  it('rewrites the matched prefix, the whole exact path, and the authority', () => {
    const { http, messages } =
      lower(`  - match: [{ uri: { prefix: /v1 } }, { uri: { exact: /old } }, { uri: { regex: "/r.*" } }]
    rewrite: { uri: /v2, authority: reviews-v2 }
    route: [{ destination: { host: reviews } }]
  - rewrite: { uri: /base/ }
    route: [{ destination: { host: reviews } }]`);
    expect(http.map((r) => r.rewrite)).toEqual([
      { host: 'reviews-v2', path: { kind: 'prefix', value: '/v2' } },
      { host: 'reviews-v2', path: { kind: 'full', value: '/v2' } },
      { host: 'reviews-v2' },
      // With no uri match the matched prefix is "/", as in Istio.
      { path: { kind: 'prefix', value: '/base/' } },
    ]);
    expect(messages).toEqual([
      'spec.http[0].rewrite.uri: cannot replace a prefix of the regex uri match of spec.http[0].match[2]; the path is not rewritten for it',
    ]);
  });

  it('refuses a rewrite on a redirect', () => {
    expect(lower(`  - redirect: { uri: /b }\n    rewrite: { uri: /c }`).messages).toEqual([
      'spec.http[0].rewrite: may not be combined with redirect',
    ]);
  });
});

describe('VirtualService http rules: timeouts and retries', () => {
  it('reads the timeout and the retry policy, taking status codes in retryOn as retriable codes', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    timeout: 10s
    retries: { attempts: 3, perTryTimeout: 2.5s, retryOn: "gateway-error, 503,reset,unavailable", backoff: 50ms }`);
    expect(messages).toEqual([]);
    expect(http[0]?.timeoutMs).toBe(10_000);
    expect(http[0]?.retry).toEqual({
      attempts: 3,
      perTryTimeoutMs: 2500,
      retryOn: ['gateway-error', 'reset', 'unavailable', 'retriable-status-codes'],
      retriableStatusCodes: [503],
      backoff: { baseMs: 50 },
    });
  });

  it("retries on Istio's default conditions when retryOn is absent, and not at all with 0 attempts", () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    retries: { attempts: 2 }
  - route: [{ destination: { host: reviews } }]
    retries: { attempts: 0 }
  - route: [{ destination: { host: reviews } }]
    retries: { perTryTimeout: 1s }
  - route: [{ destination: { host: reviews } }]
    retries: { attempts: 1, retryOn: " , " }`);
    expect(http.map((r) => r.retry)).toEqual([
      { attempts: 2, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'] },
      { attempts: 0, retryOn: [] },
      { attempts: 0, retryOn: [] },
      { attempts: 1, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'] },
    ]);
    expect(messages).toEqual([
      'spec.http[2].retries.attempts: is not set, so retries are disabled for this rule (as in Istio); set attempts to retry',
    ]);
  });

  it('drops a rule with a bad duration or retry condition, naming the field', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    timeout: 10 seconds
  - route: [{ destination: { host: reviews } }]
    retries: { attempts: 2, perTryTimeout: 0.5ms, retryOn: "5xx,teapot" }
  - route: [{ destination: { host: reviews } }]
    retries: { attempts: 2, retryOn: "5xx,999" }
  - route: [{ destination: { host: reviews } }]
    timeout: 5`);
    expect(http).toEqual([]);
    expect(messages).toEqual([
      'spec.http[0].timeout: must be a duration such as "1s", "500ms" or "1m30s", got "10 seconds"',
      'spec.http[1].retries.perTryTimeout: must be a whole number of milliseconds, got "0.5ms"',
      'spec.http[1].retries.retryOn: "teapot" is not a retry condition (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, … or an HTTP status code)',
      'spec.http[2].retries.retryOn: status code 999 must be 100..599',
      'spec.http[3].timeout: must be a duration such as "1s", "500ms" or "1m30s", got 5',
    ]);
  });
});

describe('VirtualService http rules: faults and mirrors', () => {
  it('injects delays and HTTP or gRPC aborts for a percentage of requests', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    fault:
      delay: { fixedDelay: 7s, percentage: { value: 12.5 } }
      abort: { httpStatus: 418, percentage: { value: 0.1 } }
  - route: [{ destination: { host: reviews } }]
    fault: { abort: { grpcStatus: UNAVAILABLE, percentage: { value: 100 } } }
  - route: [{ destination: { host: reviews } }]
    fault: { delay: { fixedDelay: 1s, percent: 50 } }`);
    expect(messages).toEqual([]);
    expect(http.map((r) => r.fault)).toEqual([
      { delay: { fixedMs: 7000, percent: 12.5 }, abort: { kind: 'http', status: 418, percent: 0.1 } },
      { abort: { kind: 'grpc', status: 14, percent: 100 } },
      { delay: { fixedMs: 1000, percent: 50 } },
    ]);
  });

  it('injects into no request when no percentage is given, as Istio does, and says so', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    fault: { abort: { httpStatus: 503 } }`);
    expect(http[0]?.fault).toEqual({ abort: { kind: 'http', status: 503, percent: 0 } });
    expect(messages).toEqual([
      'spec.http[0].fault.abort.percentage: is not set, so no request is aborted (as in Istio); set percentage.value',
    ]);
  });

  it('drops a rule with a bad fault', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    fault: { abort: { grpcStatus: NOPE, percentage: { value: 101 } } }
  - route: [{ destination: { host: reviews } }]
    fault: {}
  - route: [{ destination: { host: reviews } }]
    fault: { delay: { percentage: { value: 5 } }, abort: { httpStatus: 500, grpcStatus: INTERNAL } }
  - route: [{ destination: { host: reviews } }]
    fault: { abort: { httpStatus: 700 } }`);
    expect(http).toEqual([]);
    expect(messages).toEqual([
      'spec.http[0].fault.abort.grpcStatus: must be a gRPC status name such as UNAVAILABLE or INTERNAL, got "NOPE"',
      'spec.http[0].fault.abort.percentage.value: must be a number 0..100, got 101',
      'spec.http[1].fault: must set delay or abort',
      'spec.http[2].fault.abort: must set only one of httpStatus, grpcStatus',
      'spec.http[2].fault.delay.fixedDelay: is required',
      'spec.http[3].fault.abort.httpStatus: must be an integer 200..599, got 700',
    ]);
  });

  it('mirrors to one or several destinations, all requests unless a percentage is given', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    mirror: { host: reviews, subset: v2 }
    mirrorPercentage: { value: 12.5 }
  - route: [{ destination: { host: reviews } }]
    mirrors:
    - destination: { host: shadow.test, port: { number: 8080 } }
    - destination: { host: reviews, subset: v1 }
      percentage: { value: 5 }
    - destination: { host: reviews, subset: v9 }
  - route: [{ destination: { host: reviews } }]
    mirror: { host: shadow.test }
    mirrorPercent: 40`);
    expect(http.map((r) => r.mirrors)).toEqual([
      [{ service: { namespace: 'shop', name: 'reviews' }, subset: 'v2', percent: 12.5 }],
      [
        { service: { namespace: 'test', name: 'shadow' }, port: 8080, percent: 100 },
        { service: { namespace: 'shop', name: 'reviews' }, subset: 'v1', percent: 5 },
      ],
      [{ service: { namespace: 'test', name: 'shadow' }, percent: 40 }],
    ]);
    expect(messages).toEqual([
      'spec.http[1].mirrors[2].destination.subset: no DestinationRule defines subset "v9" for service reviews.shop; the mirror is skipped',
    ]);
  });

  it('refuses mirror and mirrors together', () => {
    expect(
      lower(`  - route: [{ destination: { host: reviews } }]
    mirror: { host: a }
    mirrors: [{ destination: { host: b } }]`).messages,
    ).toEqual(['spec.http[0].mirrors: may not be combined with mirror']);
  });
});

describe('VirtualService http rules: CORS and header edits', () => {
  it('reads the CORS policy, including deprecated exact origins', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    corsPolicy:
      allowOrigins: [{ exact: "https://a.example" }, { regex: "https://.*\\\\.b\\\\.example" }]
      allowOrigin: ["https://c.example"]
      allowMethods: [GET, POST]
      allowHeaders: [x-token]
      exposeHeaders: [x-trace]
      maxAge: 90s
      allowCredentials: false`);
    expect(messages).toEqual([]);
    expect(http[0]?.cors).toEqual({
      allowOrigins: [
        { kind: 'exact', value: 'https://a.example' },
        { kind: 'regex', value: 'https://.*\\.b\\.example' },
        { kind: 'exact', value: 'https://c.example' },
      ],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['x-token'],
      exposeHeaders: ['x-trace'],
      maxAgeSeconds: 90,
      allowCredentials: false,
    });
  });

  it('edits request and response headers, turning a host header into an authority rewrite', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    headers:
      request: { set: { x-env: prod, Host: reviews.internal }, add: { x-trace: "on" }, remove: [x-debug] }
      response: { set: { cache-control: no-store }, remove: [server] }`);
    expect(messages).toEqual([]);
    expect(http[0]).toMatchObject({
      rewrite: { host: 'reviews.internal' },
      requestHeaders: {
        set: [{ name: 'x-env', value: 'prod' }],
        add: [{ name: 'x-trace', value: 'on' }],
        remove: ['x-debug'],
      },
      responseHeaders: { set: [{ name: 'cache-control', value: 'no-store' }], remove: ['server'] },
    });
  });

  it('refuses edits of pseudo-headers and header values with line breaks', () => {
    const { http, messages } = lower(`  - route: [{ destination: { host: reviews } }]
    headers: { request: { remove: [":path"] } }
  - route: [{ destination: { host: reviews } }]
    headers: { response: { set: { x-a: "one\\ntwo" } } }`);
    expect(http).toEqual([]);
    expect(messages).toEqual([
      'spec.http[0].headers.request.remove[0]: cannot edit ":path": Envoy does not edit pseudo-headers or host',
      'spec.http[1].headers.response.set["x-a"]: must not contain line breaks or NUL characters, got "one\\ntwo"',
    ]);
  });
});
