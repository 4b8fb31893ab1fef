// `trellis config-dump`: the resources one proxy would receive, through the server's own code path.
import { stringify } from 'yaml';
import type { MeshConfig } from '../model/mesh.js';
import { proxyFromNode } from '../model/proxy.js';
import type { ManifestReadFlags } from '../sources/files/manifest-flags.js';
import { readManifestDir } from '../sources/files/read-dir.js';
import { ProxyCompiler } from '../xds/compile-proxy.js';
import { formatFieldError } from '../xds/envoy/resource-codec.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';

export interface ConfigDumpOptions extends Partial<ManifestReadFlags> {
  readonly manifests: string;
  readonly node: string;
  readonly proxyless: boolean;
  /** The node's user_agent_name and user_agent_version: what decides the client's profile. */
  readonly userAgentName?: string;
  readonly userAgentVersion?: string;
  readonly clusterDomain?: string;
  /** --trust-domain, --root-namespace: as serve reads them. */
  readonly meshConfig?: Partial<MeshConfig>;
}

const SECTIONS = [
  ['clusters', TYPE_URL.cluster],
  ['endpoints', TYPE_URL.endpoint],
  ['listeners', TYPE_URL.listener],
  ['routes', TYPE_URL.route],
] as const;

export async function configDumpCommand(
  opts: ConfigDumpOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const state = await readManifestDir(opts.manifests, {
    ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.followExternalLinks ? { followExternalLinks: true } : {}),
  });
  const parsed = proxyFromNode({
    id: opts.node,
    ...(opts.userAgentName ? { userAgentName: opts.userAgentName } : {}),
    ...(opts.userAgentVersion ? { userAgentVersion: opts.userAgentVersion } : {}),
  });
  const proxy = opts.proxyless ? { ...parsed, kind: 'proxyless' as const } : parsed;
  const compiled = new ProxyCompiler().compile(state.mesh, proxy);
  const dump: Record<string, unknown[]> = {};
  for (const [section, typeUrl] of SECTIONS) {
    dump[section] = compiled.resources
      .filter((r) => r.typeUrl === typeUrl)
      .map((r) => ({ '@type': typeUrl, ...(r.json as object) }));
  }
  out.write(stringify(dump, { lineWidth: 0, aliasDuplicateObjects: false }));
  for (const e of compiled.errors) {
    err.write(`not sent: ${e.typeUrl} ${e.name}: ${e.errors.map(formatFieldError).join('; ')}\n`);
  }
  const sourceErrors = state.issues.filter((i) => i.severity === 'error').length;
  if (sourceErrors > 0)
    err.write(`${sourceErrors} manifest error(s): run \`trellis validate ${opts.manifests}\`\n`);
  return compiled.errors.length > 0 ? 1 : 0;
}
