// The real injection against a seeded, bounded stream of pods made wrong in many ways: it never
// throws, and every patch it returns applies (fast-json-patch, validating) to the pod it was
// computed for and leaves one sidecar in it. The webhook also checks each patch before sending it;
// this proves the patch builder does not lean on that check.

import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import { INJECT_NAMESPACE_LABEL } from './inject-decision.js';
import { injectionParts } from './injection-parts.js';
import { type InjectorConfig, injectPod } from './pod-patch.js';
import { readPod } from './pod-view.js';
import { DEFAULT_PROXY_RESOURCES } from './proxy-resources.js';
import { realisticPod } from './webhook-testing.js';

const CASES = 5_000;
const config: InjectorConfig = {
  proxyImage: 'envoy:test',
  initImage: 'init:test',
  trellisImage: 'trellis:test',
  resources: DEFAULT_PROXY_RESOURCES,
  nativeSidecars: true,
  version: '0.1.0',
};
const parts = injectionParts({ controlPlane: { namespace: 'trellis-system' }, trellisVersion: '0.1.0' });

type Node = Record<string, unknown> | unknown[];
const WRONG: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  '',
  'x',
  true,
  [],
  {},
  [null],
  { a: 'b' },
  'http',
  65_536,
  '~/',
];
const KEYS = [
  'trellis.dev/inject',
  'trellis.dev/proxy-cpu',
  'trellis.dev/exclude-inbound-ports',
  'a/b~c',
  '__proto__',
  'x',
];

/** Every (container, path) of a JSON tree: where a mutation may land. */
function paths(
  node: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(node)) for (const [i, v] of node.entries()) paths(v, [...at, i], out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) paths(v, [...at, k], out);
  return out;
}

function mutate(pod: Record<string, unknown>, rnd: () => number): void {
  const all = paths(pod).filter((p) => p.length > 0);
  const steps = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < steps; i++) {
    const target = all[Math.floor(rnd() * all.length)]!;
    let parent: unknown = pod;
    for (const key of target.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[key];
    if (!parent || typeof parent !== 'object') continue;
    const last = target.at(-1)!;
    const choice = rnd();
    if (choice < 0.5)
      (parent as Record<string | number, unknown>)[last] = structuredClone(
        WRONG[Math.floor(rnd() * WRONG.length)],
      );
    else if (choice < 0.7) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, unknown>)[last as string];
    } else if (choice < 0.85 && !Array.isArray(parent))
      Object.defineProperty(parent, KEYS[Math.floor(rnd() * KEYS.length)]!, {
        value: structuredClone(WRONG[Math.floor(rnd() * WRONG.length)]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else if (Array.isArray(parent)) (parent as Node as unknown[]).push(structuredClone(parent[0] ?? {}));
  }
}

describe('injectPod on mutated pods', () => {
  it(`never throws, and every patch of ${CASES} mutated pods applies and leaves one sidecar`, () => {
    const rnd = seededRandom(0x1a7ec7);
    let injected = 0;
    for (let i = 0; i < CASES; i++) {
      const pod = realisticPod();
      mutate(pod, rnd);
      const sent = JSON.parse(JSON.stringify(pod)) as unknown;
      const view = readPod(structuredClone(sent), 'shop');
      if (!view.ok) continue;
      const outcome = injectPod(view.value, { [INJECT_NAMESPACE_LABEL]: 'enabled' }, config, parts);
      if (!outcome.ok || !outcome.value.injected) continue;
      injected++;
      const patched = jsonpatch.applyPatch(
        structuredClone(sent),
        JSON.parse(JSON.stringify(outcome.value.patch)) as jsonpatch.Operation[],
        true,
        false,
      ).newDocument as { spec: { initContainers?: { name?: unknown }[] } };
      const proxies = (patched.spec.initContainers ?? []).filter((c) => c?.name === 'trellis-proxy');
      expect(proxies, `case ${i}`).toHaveLength(1);
    }
    // The mutations leave most pods readable: the patch builder is exercised, not skipped.
    expect(injected).toBeGreaterThan(CASES / 4);
  });
});
