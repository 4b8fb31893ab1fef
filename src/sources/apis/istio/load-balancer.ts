// A DestinationRule loadBalancer: a simple algorithm or a consistent hash on one key, plus
// locality failover. Istio's oneofs (simple or consistentHash; one hash key) are checked here.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { LoadBalancer, LocalityFailover } from '../../../model/routing.js';
import { boolean, integer, list, object, string } from '../core/fields.js';
import type { Report } from '../issues.js';
import { validateAt } from '../shared/validate-at.js';
import { duration, requiredString } from './istio-fields.js';

const SIMPLE = [
  'UNSPECIFIED',
  'ROUND_ROBIN',
  'LEAST_REQUEST',
  'LEAST_CONN',
  'RANDOM',
  'PASSTHROUGH',
] as const;
/** Envoy's ring hash limit. */
const ringSize = () => integer(0, 8388608);

const loadBalancerSchema = object({
  simple: z.enum(SIMPLE, { message: `must be one of ${SIMPLE.join(', ')}` }).nullish(),
  consistentHash: object({
    httpHeaderName: string().nullish(),
    httpCookie: object({
      name: requiredString(),
      path: string().nullish(),
      ttl: duration(0).nullish(),
    }).nullish(),
    useSourceIp: boolean().nullish(),
    httpQueryParameterName: string().nullish(),
    ringHash: object({ minimumRingSize: ringSize().nullish() }).nullish(),
    minimumRingSize: ringSize().nullish(),
  }).nullish(),
  localityLbSetting: object({
    failover: list(object({ from: requiredString(), to: requiredString() })).nullish(),
  }).nullish(),
});

export interface LoweredLoadBalancer {
  readonly loadBalancer?: LoadBalancer;
  readonly localityFailover?: readonly LocalityFailover[];
}

export function lowerLoadBalancer(
  raw: unknown,
  at: string,
  report: Report,
  issues: Issue[],
): LoweredLoadBalancer | undefined {
  const checked = validateAt(loadBalancerSchema, raw, at, report);
  if (!checked.ok) {
    issues.push(...checked.issues);
    return undefined;
  }
  const { simple, consistentHash, localityLbSetting } = checked.data;
  if (simple && consistentHash) {
    issues.push(report(at, 'InvalidValue', 'must set only one of simple, consistentHash'));
    return undefined;
  }
  let loadBalancer: LoadBalancer | undefined;
  if (simple && simple !== 'UNSPECIFIED') {
    // LEAST_CONN is the deprecated name of LEAST_REQUEST.
    loadBalancer = { kind: 'simple', algorithm: simple === 'LEAST_CONN' ? 'LEAST_REQUEST' : simple };
  } else if (consistentHash) {
    const keys: LoadBalancer[] = [];
    const ring = consistentHash.ringHash?.minimumRingSize || consistentHash.minimumRingSize || undefined;
    const withRing = ring ? { minimumRingSize: ring } : {};
    if (consistentHash.httpHeaderName) {
      keys.push({
        kind: 'consistentHash',
        hashOn: { kind: 'header', name: consistentHash.httpHeaderName },
        ...withRing,
      });
    }
    const cookie = consistentHash.httpCookie;
    if (cookie) {
      const hashOn = {
        kind: 'cookie',
        name: cookie.name,
        ...(typeof cookie.ttl === 'number' ? { ttlMs: cookie.ttl } : {}),
        ...(cookie.path ? { path: cookie.path } : {}),
      } as const;
      keys.push({ kind: 'consistentHash', hashOn, ...withRing });
    }
    if (consistentHash.useSourceIp)
      keys.push({ kind: 'consistentHash', hashOn: { kind: 'sourceIP' }, ...withRing });
    if (consistentHash.httpQueryParameterName) {
      keys.push({
        kind: 'consistentHash',
        hashOn: { kind: 'queryParam', name: consistentHash.httpQueryParameterName },
        ...withRing,
      });
    }
    if (keys.length !== 1) {
      const message =
        keys.length === 0
          ? 'must set one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName'
          : 'must set only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName';
      issues.push(
        report(`${at}.consistentHash`, keys.length === 0 ? 'MissingField' : 'InvalidValue', message),
      );
      return undefined;
    }
    loadBalancer = keys[0];
  }
  const failover = localityLbSetting?.failover ?? [];
  failover.forEach((f, i) => {
    if (f.from === f.to) {
      issues.push(
        report(
          `${at}.localityLbSetting.failover[${i}].to`,
          'InvalidValue',
          `must differ from from (${JSON.stringify(f.from)})`,
        ),
      );
    } else {
      // Endpoints carry only a zone, so from/to are matched against zones until regions are known.
      issues.push(
        report(
          `${at}.localityLbSetting.failover[${i}]`,
          'UnsupportedValue',
          `from and to are matched against zones (topology.kubernetes.io/zone of the endpoints and node.locality.zone of the proxy), not regions: a region name such as ${JSON.stringify(f.from)} gets no failover`,
          'warning',
        ),
      );
    }
  });
  return {
    ...(loadBalancer ? { loadBalancer } : {}),
    ...(failover.length > 0 ? { localityFailover: failover.map(({ from, to }) => ({ from, to })) } : {}),
  };
}
