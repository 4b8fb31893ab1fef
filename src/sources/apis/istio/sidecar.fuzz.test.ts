// 2,400 seeded Sidecars with one mistake each: the parser never throws, raises exactly the issue the
// mistake calls for (field path, reason, severity), refuses the Sidecar exactly when the mistake is
// an error, serves only well-formed hosts, and a valid sibling is lowered as it is alone.
import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from '../manifest.js';
import { seededRandom } from '../shared/fuzz-mutations.js';
import { badSidecar, FUZZ_SIDECAR_ROOT_NAMESPACE, SIDECAR_MISTAKES } from './bad-sidecars.js';
import { istioFamily } from './istio-family.js';

const ctx = { clusterDomain: 'cluster.local', rootNamespace: FUZZ_SIDECAR_ROOT_NAMESPACE };

const SIBLING = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Sidecar',
  metadata: { name: 'sibling', namespace: 'keep' },
  spec: {
    workloadSelector: { labels: { app: 'keep' } },
    egress: [{ hosts: ['./*', '*/reviews.shop.svc.cluster.local'] }, { hosts: ['~/*', 'db/*'] }],
  },
};

const asDocs = (values: readonly unknown[]): ManifestDocument[] =>
  values.map((value, documentIndex) => ({ origin: 'fuzz.yaml', documentIndex, value }));

const WELL_FORMED_NAMESPACE = /^(\*|\.|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
const WELL_FORMED_HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

describe('Sidecar under 2,400 seeded mistakes', () => {
  it('lowers the sibling alone without issues', () => {
    const { fragment, issues } = istioFamily.parse(asDocs([SIBLING]), ctx);
    expect(issues).toEqual([]);
    expect(fragment.sidecars).toEqual([
      {
        origin: { kind: 'Sidecar', namespace: 'keep', name: 'sibling' },
        selector: { app: 'keep' },
        egressHosts: [
          { namespace: '.', host: '*' },
          { namespace: '*', host: 'reviews.shop.svc.cluster.local' },
          { namespace: 'db', host: '*' },
        ],
      },
    ]);
  });

  it('never throws and raises the precise issue of each mistake', () => {
    const alone = JSON.stringify(istioFamily.parse(asDocs([SIBLING]), ctx).fragment.sidecars);
    const random = seededRandom(15_052_026);
    const failures: string[] = [];
    const seen = new Set<string>();
    const ITERATIONS = 2400;
    for (let n = 0; n < ITERATIONS && failures.length < 5; n++) {
      const bad = badSidecar(random);
      seen.add(bad.mistake);
      const fail = (why: string) =>
        failures.push(`#${n} (${bad.mistake}) ${why}: ${JSON.stringify(bad.value).slice(0, 400)}`);
      let result: ReturnType<typeof istioFamily.parse>;
      try {
        result = istioFamily.parse(asDocs([bad.value, SIBLING]), ctx);
      } catch (error) {
        fail(`threw ${String(error)}`);
        continue;
      }
      const mine = result.issues.filter((i) => i.documentIndex === 0);
      const { expected } = bad;
      const found = mine.find(
        (i) =>
          i.fieldPath === expected.fieldPath &&
          i.reason === expected.reason &&
          i.severity === expected.severity,
      );
      if (!found)
        fail(`no ${expected.severity} ${expected.reason} at ${expected.fieldPath}: ${JSON.stringify(mine)}`);
      for (const issue of mine) {
        if (
          issue.fieldPath === '' ||
          issue.message === '' ||
          issue.message.length > 600 ||
          /\[object Object\]|undefined/.test(issue.message)
        )
          fail(`imprecise issue ${JSON.stringify(issue)}`);
        if (issue.resource?.kind !== 'Sidecar') fail(`issue names ${JSON.stringify(issue.resource)}`);
      }
      if (mine.some((i) => i.severity === 'error') !== (expected.severity === 'error'))
        fail(`errors do not match the mistake: ${JSON.stringify(mine)}`);
      const sidecars = result.fragment.sidecars ?? [];
      const served = sidecars.some((s) => s.origin.namespace !== 'keep');
      if (served === expected.rejected)
        fail(expected.rejected ? 'served a rejected Sidecar' : 'refused the Sidecar');
      for (const sidecar of sidecars)
        for (const host of sidecar.egressHosts)
          if (!WELL_FORMED_NAMESPACE.test(host.namespace) || !WELL_FORMED_HOST.test(host.host))
            fail(`served host ${JSON.stringify(host)}`);
      if (JSON.stringify(sidecars.filter((s) => s.origin.namespace === 'keep')) !== alone)
        fail('changed its sibling');
      if (result.issues.some((i) => i.documentIndex !== 0)) fail('raised issues on its sibling');
    }
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual([...SIDECAR_MISTAKES].sort());
  });
});
