// Grouping held NACKs for /debug/config-errors, with made-up streams: no gRPC, no clock.
import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '../envoy/type-urls.js';
import { type HeldNack, type NackingStream, nackedProxyCounts, nackReport } from './nack-report.js';
import type { NackStatus, XdsVariant } from './status.js';

const { cluster: CDS, listener: LDS } = TYPE_URL;
const id = (i: number) =>
  `sidecar~10.1.${Math.floor(i / 256)}.${i % 256}~web-${i}.shop~shop.svc.cluster.local`;

const rejected: NackStatus = {
  version: 'v2',
  nonce: '7',
  message: 'cluster a: bad connect_timeout',
  at: '2025-05-01T10:00:00.000Z',
  resources: { wholeResponse: true, count: 2, names: ['a', 'b'] },
};

function stream(
  proxyId: string,
  sent: Record<string, string>,
  held: readonly HeldNack[] = [],
  variant: XdsVariant = 'sotw',
): NackingStream {
  return {
    proxy: { id: proxyId },
    variant,
    heldNacks: () => held,
    sentVersion: (typeUrl) => sent[typeUrl],
  };
}

describe('the NACKs connected proxies hold, grouped', () => {
  it('makes 2,000 proxies that rejected the same content with the same message one bounded entry', () => {
    const streams = [
      ...Array.from({ length: 2_000 }, (_, i) =>
        stream(id(i), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: { ...rejected, nonce: String(i) } }]),
      ),
      // Sent the same and ACKed it, or not answered yet: they share the content.
      ...Array.from({ length: 30 }, (_, i) => stream(id(3_000 + i), { [CDS]: 'v2', [LDS]: 'l1' })),
      // Another version of the type, or the same version string of another type, is other content.
      stream(id(4_000), { [CDS]: 'v1' }),
      stream(id(4_001), { [LDS]: 'v2' }),
    ];
    const { nacks, nacksOmitted } = nackReport(streams);
    expect(nacksOmitted).toBeUndefined();
    expect(nacks).toHaveLength(1);
    const [entry] = nacks;
    expect(entry).toMatchObject({
      typeUrl: CDS,
      version: 'v2',
      message: 'cluster a: bad connect_timeout',
      resources: { wholeResponse: true, count: 2, names: ['a', 'b'] },
      proxyCount: 2_000,
      sharedWith: 30,
    });
    expect(entry?.proxies).toHaveLength(10);
    expect(entry?.proxies.map((p) => p.proxyId)).toEqual(
      Array.from({ length: 2_000 }, (_, i) => id(i))
        .sort()
        .slice(0, 10),
    );
    expect(entry?.proxies[0]).toEqual({
      proxyId: id(0),
      variant: 'sotw',
      nonce: '0',
      at: '2025-05-01T10:00:00.000Z',
    });
    expect(JSON.stringify(nacks).length).toBeLessThan(4_000);
  });

  it('keeps apart other messages, other resources, and other types, and counts the others among the sharers', () => {
    const delta = { ...rejected, nonce: '3', resources: { wholeResponse: false, count: 1, names: ['a'] } };
    const { nacks } = nackReport([
      stream(id(1), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: rejected }]),
      stream(id(2), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: { ...rejected, message: 'another error' } }]),
      stream(id(3), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: delta }], 'delta'),
      stream(id(4), { [LDS]: 'v2' }, [{ typeUrl: LDS, nack: rejected }]),
    ]);
    expect(nacks).toHaveLength(4);
    for (const entry of nacks) expect(entry.proxyCount).toBe(1);
    const cds = nacks.filter((e) => e.typeUrl === CDS);
    // Each CDS entry shares v2 with the two other proxies that rejected it differently.
    expect(cds.map((e) => e.sharedWith)).toEqual([2, 2, 2]);
    expect(nacks.find((e) => e.typeUrl === LDS)?.sharedWith).toBe(0);
    expect(cds.find((e) => e.proxies[0]?.variant === 'delta')?.resources).toEqual(delta.resources);
  });

  it('counts a proxy with two streams (it reconnected) once, showing its newest NACK', () => {
    const later = { ...rejected, nonce: '9', at: '2025-05-01T10:05:00.000Z' };
    const { nacks } = nackReport([
      stream(id(1), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: rejected }]),
      stream(id(1), { [CDS]: 'v2' }, [{ typeUrl: CDS, nack: later }]),
    ]);
    expect(nacks).toHaveLength(1);
    expect(nacks[0]).toMatchObject({ proxyCount: 1, sharedWith: 0, proxies: [{ nonce: '9' }] });
  });

  it('leaves out resources it does not know, and every entry past the cap, largest first', () => {
    const streams = Array.from({ length: 7 }, (_, i) => {
      const nack = { ...rejected, version: `v${i}`, resources: undefined };
      return stream(id(i), { [CDS]: `v${i}` }, [{ typeUrl: CDS, nack }]);
    });
    streams.push(stream(id(100), { [CDS]: 'v6' }, [{ typeUrl: CDS, nack: { ...rejected, version: 'v6' } }]));
    streams.push(stream(id(101), { [CDS]: 'v6' }, [{ typeUrl: CDS, nack: { ...rejected, version: 'v6' } }]));
    const report = nackReport(streams, { maxEntries: 3, maxProxiesPerEntry: 1 });
    expect(report.nacksOmitted).toBe(5);
    expect(report.nacks.map((e) => [e.version, e.proxyCount, e.proxies.length])).toEqual([
      ['v6', 2, 1],
      ['v0', 1, 1],
      ['v1', 1, 1],
    ]);
    expect(report.nacks[1]).not.toHaveProperty('resources');
    expect(nackReport([stream(id(1), { [CDS]: 'v1' })])).toEqual({ nacks: [] });
  });

  it('counts the proxies holding a NACK by type, each proxy once per type', () => {
    const counts = nackedProxyCounts([
      stream(id(1), {}, [
        { typeUrl: CDS, nack: rejected },
        { typeUrl: LDS, nack: rejected },
      ]),
      stream(id(1), {}, [{ typeUrl: CDS, nack: rejected }]),
      stream(id(2), {}, [{ typeUrl: CDS, nack: rejected }]),
      stream(id(3), {}),
    ]);
    expect(counts).toEqual(
      new Map([
        [CDS, 2],
        [LDS, 1],
      ]),
    );
  });
});
