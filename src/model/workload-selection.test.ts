// The pods of a namespace, indexed once per pod array; a namespace whose pods are the same objects
// in the next state's array gets the same list back (what the translation units' quick check goes by).
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import type { Workload } from './mesh.js';
import { workloadsIn } from './workload-selection.js';

const pod = (namespace: string, name: string, serviceAccount = 'default'): Workload => ({
  namespace,
  name,
  labels: { app: name },
  serviceAccount,
  ports: [],
});

describe('workloadsIn', () => {
  it('is exactly the namespace’s pods of the array asked about, over seeded states', () => {
    const random = seededRandom(21);
    const namespaces = ['a', 'b', 'c'];
    let pods: Workload[] = namespaces.flatMap((ns) => [pod(ns, 'p0'), pod(ns, 'p1')]);
    for (let step = 0; step < 200; step++) {
      // Asked about in this state first, as a rebuild would.
      const before = new Map(namespaces.map((name) => [name, workloadsIn(pods, name)]));
      // The next state: the same objects but for one pod replaced, added or removed.
      const next = [...pods];
      const roll = random();
      const at = Math.floor(random() * next.length);
      const ns = namespaces[Math.floor(random() * namespaces.length)]!;
      if (roll < 0.4 && next.length > 0) next[at] = pod(next[at]!.namespace, next[at]!.name, `sa${step}`);
      else if (roll < 0.7) next.push(pod(ns, `p${step}`));
      else if (next.length > 1) next.splice(at, 1);
      for (const name of namespaces) {
        const list = workloadsIn(next, name);
        expect(list, `step ${step} ${name}`).toEqual(next.filter((w) => w.namespace === name));
        const was = before.get(name)!;
        // Unchanged namespaces keep their list; a changed one never does.
        const same = was.length === list.length && was.every((w, i) => w === list[i]);
        expect(list === was, `step ${step} ${name}`).toBe(same);
      }
      pods = next;
    }
  });
});
