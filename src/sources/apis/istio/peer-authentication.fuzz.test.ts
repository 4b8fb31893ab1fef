// 2,400 seeded PeerAuthentications with one mistake each: the parser never throws, raises exactly
// the issue the mistake calls for (field path, reason, severity), rejects the policy only when the
// mistake leaves nothing sure to apply, and a valid sibling is lowered as it is alone.
import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from '../manifest.js';
import { seededRandom } from '../shared/fuzz-mutations.js';
import { badPeerAuthentication, FUZZ_ROOT_NAMESPACE, MISTAKES } from './bad-peer-authentications.js';
import { istioFamily } from './istio-family.js';

const ctx = { clusterDomain: 'cluster.local', rootNamespace: FUZZ_ROOT_NAMESPACE };

const SIBLING = {
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: { name: 'sibling', namespace: 'keep' },
  spec: {
    selector: { matchLabels: { app: 'keep' } },
    mtls: { mode: 'STRICT' },
    portLevelMtls: { '9000': { mode: 'PERMISSIVE' } },
  },
};

const asDocs = (values: readonly unknown[]): ManifestDocument[] =>
  values.map((value, documentIndex) => ({ origin: 'fuzz.yaml', documentIndex, value }));

describe('PeerAuthentication under 2,400 seeded mistakes', () => {
  it('lowers the sibling alone without issues', () => {
    const { fragment, issues } = istioFamily.parse(asDocs([SIBLING]), ctx);
    expect(issues).toEqual([]);
    expect(fragment.peerAuthentications).toEqual([
      {
        origin: { kind: 'PeerAuthentication', namespace: 'keep', name: 'sibling' },
        selector: { app: 'keep' },
        mode: 'STRICT',
        portLevelMtls: [{ port: 9000, mode: 'PERMISSIVE' }],
      },
    ]);
  });

  it('never throws and raises the precise issue of each mistake', () => {
    const alone = JSON.stringify(istioFamily.parse(asDocs([SIBLING]), ctx).fragment.peerAuthentications);
    const random = seededRandom(12_062_024);
    const failures: string[] = [];
    const seen = new Set<string>();
    const ITERATIONS = 2400;
    for (let n = 0; n < ITERATIONS && failures.length < 5; n++) {
      const bad = badPeerAuthentication(random);
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
          /\[object Object\]|undefined/.test(issue.message)
        )
          fail(`imprecise issue ${JSON.stringify(issue)}`);
        if (issue.resource?.kind !== 'PeerAuthentication')
          fail(`issue names ${JSON.stringify(issue.resource)}`);
      }
      if (mine.some((i) => i.severity === 'error') !== (expected.severity === 'error'))
        fail(`errors do not match the mistake: ${JSON.stringify(mine)}`);
      const policies = result.fragment.peerAuthentications ?? [];
      const served = policies.some((p) => p.origin.namespace !== 'keep');
      if (served === expected.rejected)
        fail(expected.rejected ? 'served a rejected policy' : 'rejected the policy');
      for (const policy of policies)
        for (const port of policy.portLevelMtls ?? [])
          if (!(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535))
            fail(`port ${port.port}`);
      if (JSON.stringify(policies.filter((p) => p.origin.namespace === 'keep')) !== alone)
        fail('changed its sibling');
      if (result.issues.some((i) => i.documentIndex !== 0)) fail('raised issues on its sibling');
    }
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual([...MISTAKES].sort());
  });
});
