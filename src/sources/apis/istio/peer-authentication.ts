// PeerAuthentication (security.istio.io v1, v1beta1): the mTLS mode of the inbound side of the
// sidecars of a namespace, of the selected pods, or of the whole mesh (in the root namespace).
// Which policy applies where is decided in the model (src/model/mtls.ts); conflicts between
// policies of one level are settled by the merge step.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { MtlsMode, PeerAuthenticationPolicy } from '../../../model/routing.js';
import { labelMap, object, objectMeta } from '../core/fields.js';
import { isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { describeValue, formatPath, type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { validateAt } from '../shared/validate-at.js';
import { istioFieldWalk, PEER_AUTHENTICATION_SUPPORT } from './support.js';
import { creationTimestamp } from './virtual-service.js';

export const PEER_AUTHENTICATION = 'PeerAuthentication';

const MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
const mode = () => z.enum(MODES, { message: `must be one of ${MODES.join(', ')}` }).nullish();
const mtlsSchema = object({ mode: mode() });

const schema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    selector: object({ matchLabels: labelMap().nullish() }).nullish(),
    mtls: mtlsSchema.nullish(),
    // Checked port by port below, so that each bad key is named.
    portLevelMtls: z.unknown(),
  }).nullish(),
});

const PORT_KEY = /^[0-9]{1,5}$/;

export interface ParsedPeerAuthentication {
  readonly policy?: PeerAuthenticationPolicy;
  readonly issues: readonly Issue[];
}

const lowerMode = (value: (typeof MODES)[number] | null | undefined): MtlsMode | undefined =>
  value === undefined || value === null || value === 'UNSET' ? undefined : value;

/** `rootNamespace`: where policies without a selector are mesh-wide. */
export function parsePeerAuthentication(
  doc: ManifestDocument,
  rootNamespace: string,
): ParsedPeerAuthentication {
  const report = reporter(doc, resourceRefOf(PEER_AUTHENTICATION, doc.value, true));
  const result = validate(schema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata, spec } = result.data;
  const namespace = namespaceOf(metadata);
  const issues: Issue[] = [
    ...unsupportedFields(
      doc.value,
      fieldTree(PEER_AUTHENTICATION_SUPPORT),
      istioFieldWalk(PEER_AUTHENTICATION),
      report,
    ),
  ];
  const selector = spec?.selector?.matchLabels ?? {};
  const selecting = Object.keys(selector).length > 0;
  if (selecting && namespace === rootNamespace) {
    issues.push(
      report(
        'spec.selector',
        'UnsupportedValue',
        `a policy in the root namespace ${JSON.stringify(rootNamespace)} with a selector is not mesh-wide: it applies only to the pods of ${JSON.stringify(rootNamespace)} it selects`,
        'warning',
      ),
    );
  }
  const portLevelMtls = lowerPorts(spec?.portLevelMtls, selecting, report, issues);
  const policyMode = lowerMode(spec?.mtls?.mode);
  const createdAt = creationTimestamp(doc.value);
  return {
    policy: {
      origin: { kind: PEER_AUTHENTICATION, namespace, name: metadata.name },
      ...(createdAt !== undefined ? { createdAt } : {}),
      ...(selecting ? { selector: { ...selector } } : {}),
      ...(policyMode ? { mode: policyMode } : {}),
      ...(portLevelMtls.length > 0 ? { portLevelMtls } : {}),
    },
    issues,
  };
}

/** portLevelMtls: a mapping of port numbers to {mode}; a bad entry is left out alone. */
function lowerPorts(
  raw: unknown,
  selecting: boolean,
  report: Report,
  issues: Issue[],
): { port: number; mode?: MtlsMode }[] {
  const at = 'spec.portLevelMtls';
  if (raw === undefined || raw === null) return [];
  if (!isRecord(raw)) {
    issues.push(
      report(at, 'InvalidType', `must be a mapping of port numbers to {mode}, got ${describeValue(raw)}`),
    );
    return [];
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) return [];
  if (!selecting) {
    issues.push(
      report(
        at,
        'InvalidValue',
        'is read only on a policy with a selector (spec.selector.matchLabels), as in Istio; these port modes are ignored',
      ),
    );
    return [];
  }
  const ports: { port: number; mode?: MtlsMode }[] = [];
  const seen = new Map<number, string>();
  for (const [key, value] of entries) {
    const where = formatPath(['spec', 'portLevelMtls', key]);
    const port = PORT_KEY.test(key) ? Number(key) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) {
      issues.push(
        report(
          where,
          'InvalidValue',
          `port ${describeValue(key)} must be an integer 1..65535; this port's mode is ignored`,
        ),
      );
      continue;
    }
    const first = seen.get(port);
    if (first !== undefined) {
      issues.push(
        report(where, 'DuplicateValue', `port ${port} is already given as ${JSON.stringify(first)}; ignored`),
      );
      continue;
    }
    if (value === null || value === undefined) {
      issues.push(report(where, 'MissingField', 'must be a mapping with a mode; this port is ignored'));
      continue;
    }
    const checked = validateAt(mtlsSchema, value, where, report);
    if (!checked.ok) {
      issues.push(...checked.issues);
      continue;
    }
    seen.set(port, key);
    const portMode = lowerMode(checked.data.mode);
    ports.push({ port, ...(portMode ? { mode: portMode } : {}) });
  }
  return ports.sort((a, b) => a.port - b.port);
}
