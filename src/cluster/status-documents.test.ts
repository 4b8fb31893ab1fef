import { describe, expect, it } from 'vitest';
import type { Issue } from '../model/issue.js';
import type { ResourceStatus } from '../model/routing.js';
import { CONTROLLER_NAME, desiredStatuses, mergedStatus } from './status-documents.js';

const KINDS = new Set(['HTTPRoute', 'VirtualService', 'TrafficSplit']);
const route = { kind: 'HTTPRoute', namespace: 'shop', name: 'cart' };
const accepted = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  message: 'attached to shop/cart',
} as const;
const resolved = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'ok' } as const;
const T0 = '2026-12-06T05:00:00Z';
const T1 = '2026-12-06T06:00:00Z';

function one(statuses: readonly ResourceStatus[], issues: readonly Issue[] = []) {
  const all = desiredStatuses(statuses, issues, KINDS);
  const [first] = all.values();
  if (!first) throw new Error('no desired status');
  return first;
}

describe('route status', () => {
  const statuses: ResourceStatus[] = [
    {
      resource: route,
      parent: { service: { namespace: 'shop', name: 'cart' }, port: 80 },
      conditions: [accepted, resolved],
    },
  ];

  it('writes one parents[] entry per parent Service with our controller name and observedGeneration', () => {
    expect(mergedStatus(one(statuses), { generation: 3 }, T0)).toEqual({
      parents: [
        {
          parentRef: { group: '', kind: 'Service', namespace: 'shop', name: 'cart', port: 80 },
          controllerName: CONTROLLER_NAME,
          conditions: [
            { ...accepted, observedGeneration: 3, lastTransitionTime: T0 },
            { ...resolved, observedGeneration: 3, lastTransitionTime: T0 },
          ],
        },
      ],
    });
  });

  it('keeps the entries of other controllers and writes nothing when ours already say it', () => {
    const gateway = {
      parentRef: { name: 'edge', kind: 'Gateway' },
      controllerName: 'example.com/gateway',
      conditions: [{ type: 'Accepted', status: 'True' }],
    };
    const first = mergedStatus(one(statuses), { generation: 3, status: { parents: [gateway] } }, T0);
    expect((first?.parents as unknown[] | undefined)?.[0]).toEqual(gateway);
    expect(mergedStatus(one(statuses), { generation: 3, status: first }, T1)).toBeUndefined();
  });

  it('keeps lastTransitionTime while a condition keeps its status, and moves it when it flips', () => {
    const first = mergedStatus(one(statuses), { generation: 3 }, T0);
    const message = mergedStatus(
      one([
        { ...(statuses[0] as ResourceStatus), conditions: [{ ...accepted, message: 'new words' }, resolved] },
      ]),
      { generation: 4, status: first },
      T1,
    );
    const conditions = (
      message?.parents as { conditions: { lastTransitionTime: string }[] }[] | undefined
    )?.[0]?.conditions;
    expect(conditions?.[0]?.lastTransitionTime).toBe(T0);
    const flipped = mergedStatus(
      one([
        {
          ...(statuses[0] as ResourceStatus),
          conditions: [accepted, { ...resolved, status: 'False', reason: 'BackendNotFound' }],
        },
      ]),
      { generation: 4, status: first },
      T1,
    );
    const after = (flipped?.parents as { conditions: { lastTransitionTime: string }[] }[] | undefined)?.[0]
      ?.conditions;
    expect(after?.map((c) => c.lastTransitionTime)).toEqual([T0, T1]);
  });
});

describe('policy status', () => {
  const vs = { kind: 'VirtualService', namespace: 'shop', name: 'reviews' };

  it('folds the conditions of several parents into one per type, False first', () => {
    const status = mergedStatus(
      one([
        { resource: vs, parent: { service: { namespace: 'shop', name: 'a' } }, conditions: [accepted] },
        {
          resource: vs,
          parent: { service: { namespace: 'shop', name: 'b' } },
          conditions: [{ type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: 'no b' }],
        },
      ]),
      {
        generation: 2,
        status: { validationMessages: ['kept'], conditions: [{ type: 'Reconciled', status: 'True' }] },
      },
      T0,
    );
    expect(status).toEqual({
      observedGeneration: 2,
      conditions: [
        { type: 'Reconciled', status: 'True' },
        {
          type: 'Accepted',
          status: 'False',
          reason: 'NoMatchingParent',
          message: 'no b',
          observedGeneration: 2,
          lastTransitionTime: T0,
        },
      ],
    });
  });

  it('says why a resource its parser rejected is not accepted, naming the fields', () => {
    const issues: Issue[] = [
      {
        severity: 'error',
        origin: 'kube:split.smi-spec.io/TrafficSplit/shop/split',
        resource: { kind: 'TrafficSplit', namespace: 'shop', name: 'split' },
        fieldPath: 'spec.backends[0].weight',
        reason: 'InvalidValue',
        message: 'must be a non-negative integer',
      },
      {
        severity: 'warning',
        origin: 'kube:x',
        resource: { kind: 'TrafficSplit', namespace: 'shop', name: 'ok' },
        fieldPath: '',
        reason: 'Ignored',
        message: 'a warning only',
      },
    ];
    const all = desiredStatuses([], issues, KINDS);
    expect([...all.keys()]).toEqual(['TrafficSplit/shop/split']);
    expect(mergedStatus(all.get('TrafficSplit/shop/split') as never, {}, T0)).toEqual({
      conditions: [
        {
          type: 'Accepted',
          status: 'False',
          reason: 'InvalidValue',
          message: 'spec.backends[0].weight: must be a non-negative integer',
          lastTransitionTime: T0,
        },
      ],
    });
  });

  it('leaves kinds it does not write alone', () => {
    const all = desiredStatuses(
      [{ resource: { kind: 'DestinationRule', namespace: 'a', name: 'b' }, conditions: [accepted] }],
      [],
      KINDS,
    );
    expect(all.size).toBe(0);
  });
});
