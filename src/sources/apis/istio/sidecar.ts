// Sidecar (networking.istio.io v1, v1beta1, v1alpha3): which services the proxies of a namespace,
// of the selected pods, or of the whole mesh (in the root namespace) receive. Only what decides that
// is read (workloadSelector, egress[].hosts); the listener settings (egress port, bind, captureMode,
// ingress, outboundTrafficPolicy) are reported as unsupported. Which Sidecar applies to a proxy, and
// what it lets it see, is decided in the model (src/model/sidecar-scope.ts, visibility.ts).
//
// A Sidecar with an error is not served at all, as Istio's admission would refuse it: its proxies
// get the level below (their namespace's Sidecar, the annotation, the mesh-wide Sidecar), rather than
// a narrower view than the one asked for.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { EgressHost, SidecarPolicy } from '../../../model/routing.js';
import { SIDECAR } from '../../../model/sidecar-scope.js';
import { labelMap, object, objectMeta } from '../core/fields.js';
import { hasErrors, isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { describeValue, formatPath, type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { readEgressHost } from './sidecar-hosts.js';
import { istioFieldWalk, SIDECAR_SUPPORT } from './support.js';
import { creationTimestamp } from './virtual-service.js';

const schema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    workloadSelector: object({ labels: labelMap().nullish() }).nullish(),
    // Checked listener by listener and host by host below, so that each bad one is named.
    egress: z.unknown(),
  }).nullish(),
});

const EVERY_SERVICE: readonly EgressHost[] = [{ namespace: '*', host: '*' }];

export interface ParsedSidecar {
  readonly policy?: SidecarPolicy;
  readonly issues: readonly Issue[];
  /** Reports on this document: for what the family finds later (a conflict with another Sidecar). */
  readonly report: Report;
}

export interface SidecarContext {
  readonly clusterDomain: string;
  /** Where a Sidecar without a workloadSelector is the mesh-wide default. */
  readonly rootNamespace: string;
}

export function parseSidecar(doc: ManifestDocument, ctx: SidecarContext): ParsedSidecar {
  const report = reporter(doc, resourceRefOf(SIDECAR, doc.value, true));
  const result = validate(schema, doc, report);
  if (!result.ok) return { issues: result.issues, report };
  const { metadata, spec } = result.data;
  const namespace = namespaceOf(metadata);
  const issues: Issue[] = [
    ...unsupportedFields(doc.value, fieldTree(SIDECAR_SUPPORT), istioFieldWalk(SIDECAR), report),
  ];
  const workloadSelector = spec?.workloadSelector;
  const selector = workloadSelector?.labels ?? {};
  const selecting = Object.keys(selector).length > 0;
  if (workloadSelector && !selecting) {
    issues.push(
      report(
        'spec.workloadSelector.labels',
        'MissingField',
        'must hold at least one label, as in Istio; a Sidecar for its whole namespace has no workloadSelector',
      ),
    );
  }
  const root = namespace === ctx.rootNamespace;
  if (selecting && root) {
    issues.push(
      report(
        'spec.workloadSelector',
        'UnsupportedValue',
        `a Sidecar in the root namespace ${JSON.stringify(ctx.rootNamespace)} with a workloadSelector is not the mesh-wide default: it applies only to the pods of ${JSON.stringify(ctx.rootNamespace)} it selects`,
        'warning',
      ),
    );
  }
  // What "." stands for when it is one namespace: in the root namespace it is each proxy's own.
  const egressHosts = lowerEgress(
    spec?.egress,
    ctx.clusterDomain,
    root ? undefined : namespace,
    report,
    issues,
  );
  if (hasErrors(issues)) return { issues, report };
  const createdAt = creationTimestamp(doc.value);
  return {
    policy: {
      origin: { kind: SIDECAR, namespace, name: metadata.name },
      ...(createdAt !== undefined ? { createdAt } : {}),
      ...(selecting ? { selector: { ...selector } } : {}),
      egressHosts,
    },
    issues,
    report,
  };
}

/** The hosts of every egress listener, each once, in order; no egress at all is every service. */
function lowerEgress(
  raw: unknown,
  clusterDomain: string,
  ownNamespace: string | undefined,
  report: Report,
  issues: Issue[],
): EgressHost[] {
  if (raw === undefined || raw === null) return [...EVERY_SERVICE];
  if (!Array.isArray(raw)) {
    issues.push(
      report('spec.egress', 'InvalidType', `must be a list of egress listeners, got ${describeValue(raw)}`),
    );
    return [];
  }
  // An empty list is no egress listener: Istio's default, every service.
  if (raw.length === 0) return [...EVERY_SERVICE];
  const hosts = new Map<string, EgressHost>();
  raw.forEach((listener: unknown, i) => {
    const at = formatPath(['spec', 'egress', i]);
    if (!isRecord(listener)) {
      issues.push(report(at, 'InvalidType', `must be a mapping with hosts, got ${describeValue(listener)}`));
      return;
    }
    const list = listener.hosts;
    const listAt = `${at}.hosts`;
    if (list === undefined || list === null) {
      issues.push(report(listAt, 'MissingField', 'is required: one or more "namespace/dnsName" hosts'));
      return;
    }
    if (!Array.isArray(list)) {
      issues.push(
        report(
          listAt,
          'InvalidType',
          `must be a list of "namespace/dnsName" strings, got ${describeValue(list)}`,
        ),
      );
      return;
    }
    if (list.length === 0) {
      issues.push(report(listAt, 'InvalidValue', 'must list at least one "namespace/dnsName" host'));
      return;
    }
    list.forEach((text: unknown, j) => {
      const hostAt = `${listAt}[${j}]`;
      if (typeof text !== 'string') {
        issues.push(
          report(hostAt, 'InvalidType', `must be a string "namespace/dnsName", got ${describeValue(text)}`),
        );
        return;
      }
      const read = readEgressHost(text, clusterDomain, ownNamespace);
      if (!read.ok) {
        issues.push(report(hostAt, 'InvalidValue', read.message));
        return;
      }
      if (read.warning) issues.push(report(hostAt, 'UnsupportedValue', read.warning, 'warning'));
      if (read.host) hosts.set(`${read.host.namespace}/${read.host.host}`, read.host);
    });
  });
  return [...hosts.values()];
}
