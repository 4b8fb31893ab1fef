// Full translation time, measured in this process on the same manifests with the server's own code
// path (read + parse the directory, then translate, encode and validate one proxy's resources), so
// it is known whether or not the server exposes timings of its own.
import { proxyFromNode } from '../src/model/proxy.js';
import { readManifestDir } from '../src/sources/files/read-dir.js';
import { ProxyCompiler } from '../src/xds/compile-proxy.js';
import { TYPE_URL } from '../src/xds/envoy/type-urls.js';
import { now } from './simulated-proxy.js';

export interface TranslationTiming {
  /** Read and parse every manifest into the model. */
  readonly parseMs: number;
  /** One proxy from a fresh compiler: every resource translated, encoded and validated. */
  readonly firstProxyMs: number;
  readonly resources: number;
  readonly bytes: number;
  /** That proxy's ClusterLoadAssignments: how many, and their encoded size in all. */
  readonly assignments: { readonly count: number; readonly bytes: number };
  /** Encoded size of its largest route configuration (the one a route change rewrites). */
  readonly largestRouteBytes: number;
  /** Mean per further proxy (other pods), with the encodes shared proxies already paid for. */
  readonly furtherProxyMs: number;
  readonly sampled: number;
}

export async function timeTranslation(
  dir: string,
  nodeIds: readonly string[],
  sample: number,
): Promise<TranslationTiming> {
  const t0 = now();
  const state = await readManifestDir(dir);
  const t1 = now();
  const compiler = new ProxyCompiler();
  const first = compiler.compile(state.mesh, proxyFromNode({ id: nodeIds[0]! }));
  const t2 = now();
  const others = nodeIds.slice(1, 1 + sample);
  for (const id of others) compiler.compile(state.mesh, proxyFromNode({ id }));
  const t3 = now();
  const ofType = (typeUrl: string) => first.resources.filter((r) => r.typeUrl === typeUrl);
  const assignments = ofType(TYPE_URL.endpoint);
  return {
    parseMs: t1 - t0,
    firstProxyMs: t2 - t1,
    resources: first.resources.length,
    bytes: first.resources.reduce((n, r) => n + r.value.length, 0),
    assignments: { count: assignments.length, bytes: assignments.reduce((n, r) => n + r.value.length, 0) },
    largestRouteBytes: Math.max(0, ...ofType(TYPE_URL.route).map((r) => r.value.length)),
    furtherProxyMs: others.length > 0 ? (t3 - t2) / others.length : 0,
    sampled: others.length,
  };
}
