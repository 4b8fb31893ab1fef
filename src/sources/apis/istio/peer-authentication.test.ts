import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { parseManifests } from '../core/parse-manifests.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

const docsOf = (text: string) =>
  parseAllDocuments(text).map((d, i) => ({
    origin: 'pa.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));

function parse(text: string, rootNamespace?: string) {
  const { fragment, issues } = istioFamily.parse(docsOf(text), {
    clusterDomain: 'cluster.local',
    ...(rootNamespace ? { rootNamespace } : {}),
  });
  return { policies: fragment.peerAuthentications ?? [], messages: sortIssues(issues).map(formatIssue) };
}

describe('PeerAuthentication', () => {
  it('lowers v1 and v1beta1: selector, mode, port modes (UNSET inherits), creation time', () => {
    const { policies, messages } = parse(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z" }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  mtls: { mode: UNSET }
  portLevelMtls:
    8080: { mode: DISABLE }
    "9090": { mode: UNSET }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: empty, namespace: other }
`);
    expect(messages).toEqual([]);
    expect(policies).toEqual([
      {
        origin: { kind: 'PeerAuthentication', namespace: 'shop', name: 'default' },
        createdAt: '2024-01-01T00:00:00Z',
        mode: 'STRICT',
      },
      {
        origin: { kind: 'PeerAuthentication', namespace: 'shop', name: 'web' },
        selector: { app: 'web' },
        portLevelMtls: [{ port: 8080, mode: 'DISABLE' }, { port: 9090 }],
      },
      { origin: { kind: 'PeerAuthentication', namespace: 'other', name: 'empty' } },
    ]);
  });

  it('reports bad modes, ports, and port modes without a selector, with their paths', () => {
    const { policies, messages } = parse(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: typo, namespace: shop }
spec: { mtls: { mode: STRICTLY } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: ports, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  portLevelMtls: { "0": { mode: STRICT }, "70000": { mode: STRICT }, "80": { mode: strict }, "81": { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: nosel, namespace: shop }
spec: { mtls: { mode: PERMISSIVE }, portLevelMtls: { "80": { mode: STRICT } } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: root, namespace: mesh }
spec: { selector: { matchLabels: { app: x, n: 1 } } }
`);
    expect(messages).toEqual([
      'pa.yaml[doc 0]: PeerAuthentication shop/typo: spec.mtls.mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got "STRICTLY"',
      'pa.yaml[doc 1]: PeerAuthentication shop/ports: spec.portLevelMtls["0"]: port "0" must be an integer 1..65535; this port\'s mode is ignored',
      'pa.yaml[doc 1]: PeerAuthentication shop/ports: spec.portLevelMtls["80"].mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got "strict"',
      'pa.yaml[doc 1]: PeerAuthentication shop/ports: spec.portLevelMtls["70000"]: port "70000" must be an integer 1..65535; this port\'s mode is ignored',
      'pa.yaml[doc 2]: PeerAuthentication shop/nosel: spec.portLevelMtls: is read only on a policy with a selector (spec.selector.matchLabels), as in Istio; these port modes are ignored',
      'pa.yaml[doc 3]: PeerAuthentication mesh/root: spec.selector.matchLabels.n: must be a string, got 1',
    ]);
    expect(policies.map((p) => [p.origin.name, p.mode, p.portLevelMtls])).toEqual([
      ['ports', undefined, [{ port: 81, mode: 'STRICT' }]],
      ['nosel', 'PERMISSIVE', undefined],
    ]);
  });

  it('warns that a selector in the root namespace makes a workload policy, and parseManifests sets the mesh config', () => {
    const text = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: web, namespace: mesh }
spec: { selector: { matchLabels: { app: web } }, mtls: { mode: STRICT } }
`;
    expect(parse(text, 'mesh').messages).toEqual([
      'pa.yaml[doc 0]: PeerAuthentication mesh/web: spec.selector: a policy in the root namespace "mesh" with a selector is not mesh-wide: it applies only to the pods of "mesh" it selects',
    ]);
    const state = parseManifests(docsOf(text), { meshConfig: { rootNamespace: 'mesh' } });
    expect(state.mesh.config).toEqual({ trustDomain: 'cluster.local', rootNamespace: 'mesh' });
    expect(state.issues.map((i) => i.fieldPath)).toEqual(['spec.selector']);
    expect(state.mesh.routing.peerAuthentications).toHaveLength(1);
    expect(parseManifests(docsOf(text)).mesh.config).toBeUndefined();
  });
});
