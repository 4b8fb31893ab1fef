import { describe, expect, it } from 'vitest';
import type { Workload } from './mesh.js';
import type { SidecarPolicy } from './routing.js';
import { applicableSidecars, compareSidecars, settleSidecars } from './sidecar-scope.js';
import { StatusBook } from './status-book.js';

const sidecar = (namespace: string, name: string, extra: Partial<SidecarPolicy> = {}): SidecarPolicy => ({
  origin: { kind: 'Sidecar', namespace, name },
  egressHosts: [{ namespace: '.', host: '*' }],
  ...extra,
});

const pod = (namespace: string, name: string, labels: Record<string, string>): Workload => ({
  namespace,
  name,
  labels,
  serviceAccount: 'default',
  ports: [],
});

describe('compareSidecars', () => {
  it('orders the oldest first, a Sidecar without a creation time last, then by namespace/name', () => {
    const list = [
      sidecar('a', 'none'),
      sidecar('b', 'new', { createdAt: '2024-02-01T00:00:00Z' }),
      sidecar('b', 'old', { createdAt: '2024-01-01T00:00:00Z' }),
      sidecar('a', 'another'),
    ];
    expect(list.sort(compareSidecars).map((s) => s.origin.name)).toEqual(['old', 'new', 'another', 'none']);
  });
});

describe('settleSidecars', () => {
  it('keeps the oldest default of each namespace and tells the others, naming the winner', () => {
    const book = new StatusBook();
    const kept = settleSidecars(
      [
        sidecar('shop', 'newer', { createdAt: '2024-02-01T00:00:00Z' }),
        sidecar('shop', 'older', { createdAt: '2024-01-01T00:00:00Z' }),
        sidecar('db', 'default'),
      ],
      [],
      book,
    );
    expect(kept.map((s) => `${s.origin.namespace}/${s.origin.name}`)).toEqual(['db/default', 'shop/older']);
    expect(book.list().find((s) => s.resource.name === 'newer')?.conditions).toEqual([
      {
        type: 'Conflicted',
        status: 'True',
        reason: 'Overridden',
        message:
          'Sidecar shop/older is the default of namespace shop: of the Sidecars without a workloadSelector, the oldest (then the first by namespace/name) applies',
      },
    ]);
  });

  it('keeps every selecting Sidecar, and tells the younger of two selecting one pod', () => {
    const book = new StatusBook();
    const kept = settleSidecars(
      [
        sidecar('shop', 'b', { selector: { app: 'web' } }),
        sidecar('shop', 'a', { selector: { tier: 'front' } }),
      ],
      [pod('shop', 'web-0', { app: 'web', tier: 'front' }), pod('shop', 'api-0', { app: 'api' })],
      book,
    );
    expect(kept.map((s) => s.origin.name)).toEqual(['a', 'b']);
    const conditions = Object.fromEntries(
      book.list().map((s) => [s.resource.name, s.conditions.map((c) => `${c.type}: ${c.message}`)]),
    );
    expect(conditions).toEqual({
      a: ['Accepted: accepted'],
      b: [
        'Accepted: accepted',
        'Conflicted: Sidecar shop/a also selects pod shop/web-0 and applies to it: the oldest (then the first by namespace/name) applies',
      ],
    });
  });
});

describe('applicableSidecars', () => {
  const sidecars = [
    sidecar('shop', 'web', { selector: { app: 'web' } }),
    sidecar('shop', 'default'),
    sidecar('root', 'default'),
    sidecar('root', 'selecting', { selector: { app: 'web' } }),
  ];

  it('finds the selecting one, the namespace default and the mesh default, one per level', () => {
    const found = applicableSidecars(sidecars, 'root', { namespace: 'shop', labels: { app: 'web' } });
    expect([found.workload?.origin.name, found.namespace?.origin.name, found.mesh?.origin.name]).toEqual([
      'web',
      'default',
      'default',
    ]);
    expect(found.mesh?.origin.namespace).toBe('root');
  });

  it('selects nothing for a pod it does not know, and never applies a root selector elsewhere', () => {
    expect(applicableSidecars(sidecars, 'root', { namespace: 'shop' }).workload).toBeUndefined();
    expect(applicableSidecars(sidecars, 'root', { namespace: 'other', labels: { app: 'web' } })).toEqual({
      mesh: sidecars[2],
    });
  });
});
