// `trellis config-dump`: the resources one proxy would receive, through the server's own code path:
// the manifest directory read as `serve` reads it, the node read as the server reads a stream's,
// and ProxyCompiler.compile, the assembly path the snapshot builder goes through (visibility,
// parts, strict encoding, parts joined).
import { stringify } from 'yaml';
import type { Issue } from '../model/issue.js';
import type { MeshConfig } from '../model/mesh.js';
import { type MeshProxy, proxyFromNode } from '../model/proxy.js';
import type { Visibility } from '../model/visibility.js';
import type { ManifestReadFlags } from '../sources/files/manifest-flags.js';
import { readManifestDir } from '../sources/files/read-dir.js';
import { type CompiledProxy, ProxyCompiler, translatedResources } from '../xds/compile-proxy.js';
import { formatFieldError } from '../xds/envoy/resource-codec.js';
import { toConfigDump } from '../xds/translate/config-dump.js';

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
  /** What proxies see in namespaces without `trellis.dev/visible-namespaces`, as serve's flag (default: all). */
  readonly defaultVisibility?: Visibility;
}

export interface ConfigDump {
  readonly proxy: MeshProxy;
  readonly compiled: CompiledProxy;
  /** What reading the manifests found wrong. */
  readonly issues: readonly Issue[];
}

/** The proxy the options describe, as the server reads a node with that id and user agent. */
export function configDumpProxy(opts: ConfigDumpOptions): MeshProxy {
  const parsed = proxyFromNode({
    id: opts.node,
    ...(opts.userAgentName ? { userAgentName: opts.userAgentName } : {}),
    ...(opts.userAgentVersion ? { userAgentVersion: opts.userAgentVersion } : {}),
  });
  return opts.proxyless ? { ...parsed, kind: 'proxyless' as const } : parsed;
}

/** What `trellis config-dump` prints, as data: the proxy's resources, encoded as the server encodes them. */
export async function configDump(opts: ConfigDumpOptions): Promise<ConfigDump> {
  const state = await readManifestDir(opts.manifests, {
    ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.followExternalLinks ? { followExternalLinks: true } : {}),
  });
  const proxy = configDumpProxy(opts);
  const compiler = new ProxyCompiler(undefined, {
    ...(opts.defaultVisibility ? { defaultVisibility: opts.defaultVisibility } : {}),
  });
  return { proxy, compiled: compiler.compile(state.mesh, proxy), issues: state.issues };
}

export async function configDumpCommand(
  opts: ConfigDumpOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { compiled, issues } = await configDump(opts);
  out.write(
    stringify(toConfigDump(translatedResources(compiled)), { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  for (const e of compiled.errors) {
    err.write(`not sent: ${e.typeUrl} ${e.name}: ${e.errors.map(formatFieldError).join('; ')}\n`);
  }
  const sourceErrors = issues.filter((i) => i.severity === 'error').length;
  if (sourceErrors > 0)
    err.write(`${sourceErrors} manifest error(s): run \`trellis validate ${opts.manifests}\`\n`);
  return compiled.errors.length > 0 ? 1 : 0;
}
