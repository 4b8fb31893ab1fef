// --trust-domain and --root-namespace for `trellis validate` and `config-dump` (serve reads
// --trust-domain with its identity flags), and --root-namespace for all three: the mesh settings the
// translation reads (src/model/mesh.ts MeshConfig).
import { checkIdentity } from '../model/identity.js';
import type { MeshConfig } from '../model/mesh.js';
import { fail, ok, type Result } from '../model/result.js';

export const ROOT_NAMESPACE_FLAG = { 'root-namespace': { type: 'string' as const } };
export const TRUST_DOMAIN_FLAG = { 'trust-domain': { type: 'string' as const } };

/** The settings the flags give; absent flags are left out (the defaults apply). */
export function readMeshConfigFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): Result<Partial<MeshConfig>, string> {
  const trustDomain = typeof values['trust-domain'] === 'string' ? values['trust-domain'] : undefined;
  const rootNamespace = typeof values['root-namespace'] === 'string' ? values['root-namespace'] : undefined;
  const checked = checkIdentity({
    trustDomain: trustDomain ?? 'cluster.local',
    namespace: rootNamespace ?? 'trellis-system',
    serviceAccount: 'default',
  });
  if (!checked.ok) {
    const flag = checked.errors.some((e) => e.startsWith('trust domain')) ? 'trust-domain' : 'root-namespace';
    return fail([`--${flag}: ${checked.errors.join('; ')}`]);
  }
  return ok({
    ...(trustDomain !== undefined ? { trustDomain } : {}),
    ...(rootNamespace !== undefined ? { rootNamespace } : {}),
  });
}
