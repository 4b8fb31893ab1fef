// How responses become the messages grpc-js writes: what the messages of many streams share.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { noopMetrics } from '../xds-metrics.js';
import type { DeltaDiscoveryResponseObject, DiscoveryResponseObject } from './ads-service.js';
import { DEFAULT_LOG_THROTTLE } from './log-throttle.js';
import { DEFAULT_BUDGETS } from './stream-limits.js';
import { deltaWireStream, sotwWireStream, type WireStreamContext } from './wire-streams.js';

const { cluster: CDS } = TYPE_URL;
const context: WireStreamContext = {
  logger: silentLogger(),
  metrics: noopMetrics,
  budgets: DEFAULT_BUDGETS,
  logThrottle: DEFAULT_LOG_THROTTLE,
};
const proxy = (i: number) =>
  proxyFromNode({ id: `sidecar~10.0.0.${i}~web-${i}.shop~shop.svc.cluster.local` });

describe('wire messages', () => {
  it('carry one entry object per cached resource, whichever stream or response sends it', () => {
    const snapshot = buildSnapshot(
      ['a', 'b'].map((name) => ({ typeUrl: CDS, name, value: new TextEncoder().encode(name) })),
    );
    const sotw: DiscoveryResponseObject[] = [];
    const delta: DeltaDiscoveryResponseObject[] = [];
    for (let i = 0; i < 2; i++) {
      const s = sotwWireStream(proxy(i), context, (m) => sotw.push(m) > 0);
      s.onSnapshot(snapshot);
      s.onRequest({ type_url: CDS }, CDS);
      const d = deltaWireStream(proxy(10 + i), context, (m) => delta.push(m) > 0);
      d.onSnapshot(snapshot);
      d.onRequest({ type_url: CDS }, CDS);
    }
    expect(sotw).toHaveLength(2);
    expect(delta).toHaveLength(2);
    expect(sotw[0]!.resources).toHaveLength(2);
    expect(sotw[1]!.resources[0]).toBe(sotw[0]!.resources[0]);
    expect(delta[1]!.resources[1]).toBe(delta[0]!.resources[1]);
    // The delta entry wraps the very Any the state-of-the-world message carries.
    expect(delta[0]!.resources[0]!.resource).toBe(sotw[0]!.resources[0]);
    expect(delta[0]!.resources.map((r) => [r.name, r.version])).toEqual(
      ['a', 'b'].map((name) => [name, snapshot.resources.get(CDS)!.get(name)!.version]),
    );
  });
});
