// `trellis validate DIR`: every problem in a manifest directory, one line each; exit 1 if any error.
// It reads the directory exactly as `trellis serve` does, with the same limits and link policy.
import { formatIssue } from '../model/issue.js';
import type { MeshConfig } from '../model/mesh.js';
import type { ManifestReadFlags } from '../sources/files/manifest-flags.js';
import { readManifestDir } from '../sources/files/read-dir.js';

export async function validateCommand(
  dir: string,
  out: NodeJS.WritableStream,
  opts: Partial<ManifestReadFlags> & { readonly meshConfig?: Partial<MeshConfig> } = {},
): Promise<number> {
  const state = await readManifestDir(dir, {
    ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.followExternalLinks ? { followExternalLinks: true } : {}),
  });
  for (const issue of state.issues) out.write(`${issue.severity}: ${formatIssue(issue)}\n`);
  const errors = state.issues.filter((i) => i.severity === 'error').length;
  const warnings = state.issues.length - errors;
  const { mesh } = state;
  const counted = `${mesh.namespaces.length} namespaces, ${mesh.services.length} services, ${mesh.endpointSlices.length} endpoint slices, ${mesh.workloads.length} pods`;
  if (errors > 0) {
    out.write(
      `${errors} error(s), ${warnings} warning(s) in ${dir}; the valid resources (${counted}) would still be served\n`,
    );
    return 1;
  }
  out.write(`${dir}: valid: ${counted}${warnings ? `, ${warnings} warning(s)` : ''}\n`);
  return 0;
}
