// DestinationRule (networking.istio.io v1, v1beta1, v1alpha3): subsets and traffic policy for one
// service, per port and per subset.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { BackendPolicy, Subset } from '../../../model/routing.js';
import { dns1123Label, labelMap, list, object, objectMeta } from '../core/fields.js';
import { namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { validateAt } from '../shared/validate-at.js';
import { resolveHost } from './hosts.js';
import { requiredString } from './istio-fields.js';
import { DESTINATION_RULE_SUPPORT, istioFieldWalk } from './support.js';
import { lowerTrafficPolicy } from './traffic-policy.js';

const destinationRuleSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    host: requiredString(),
    // Policies and subsets are checked one by one, so that a bad one is left out alone.
    trafficPolicy: z.unknown(),
    subsets: list(z.unknown()).nullish(),
    workloadSelector: z.unknown(),
  }),
});

const subsetSchema = object({
  name: dns1123Label().superRefine((name, ctx) => {
    if (name === '')
      ctx.addIssue({
        code: 'custom',
        message: 'is required',
        params: { reason: 'MissingField', complete: true },
      });
  }),
  labels: labelMap().nullish(),
  trafficPolicy: z.unknown(),
});

export interface ParsedDestinationRule {
  readonly policy?: BackendPolicy;
  readonly issues: readonly Issue[];
}

export function parseDestinationRule(doc: ManifestDocument, clusterDomain: string): ParsedDestinationRule {
  const report = reporter(doc, resourceRefOf('DestinationRule', doc.value, true));
  const result = validate(destinationRuleSchema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata, spec } = result.data;
  const namespace = namespaceOf(metadata);
  const issues: Issue[] = [
    ...unsupportedFields(
      doc.value,
      fieldTree(DESTINATION_RULE_SUPPORT),
      istioFieldWalk('DestinationRule'),
      report,
    ),
  ];
  // Applying a rule meant for some clients to all of them would be worse than not applying it.
  if (spec.workloadSelector !== undefined && spec.workloadSelector !== null) return { issues };

  const host = resolveHost(spec.host, namespace, clusterDomain);
  if (host.kind === 'unsupported') {
    issues.push(
      report(
        'spec.host',
        'UnsupportedValue',
        `${JSON.stringify(spec.host)} ${host.why}; the DestinationRule is skipped`,
        'warning',
      ),
    );
    return { issues };
  }
  const { policy, portPolicies } = lowerTrafficPolicy(
    spec.trafficPolicy,
    'spec.trafficPolicy',
    true,
    report,
    issues,
  );
  const subsets = lowerSubsets(spec.subsets ?? [], report, issues);
  return {
    policy: {
      service: host.service,
      origin: { kind: 'DestinationRule', namespace, name: metadata.name },
      ...(policy ? { policy } : {}),
      ...(portPolicies ? { portPolicies } : {}),
      subsets,
    },
    issues,
  };
}

function lowerSubsets(raw: readonly unknown[], report: Report, issues: Issue[]): Subset[] {
  const subsets: Subset[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, i) => {
    const at = `spec.subsets[${i}]`;
    const checked = validateAt(subsetSchema, entry, at, report);
    if (!checked.ok) {
      issues.push(...checked.issues);
      return;
    }
    const { name, labels, trafficPolicy } = checked.data;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push(
        report(
          `${at}.name`,
          'DuplicateValue',
          `${JSON.stringify(name)} is already used by spec.subsets[${first}]`,
        ),
      );
      return;
    }
    seen.set(name, i);
    const { policy } = lowerTrafficPolicy(trafficPolicy, `${at}.trafficPolicy`, false, report, issues);
    subsets.push({ name, labels: { ...(labels ?? {}) }, ...(policy ? { policy } : {}) });
  });
  return subsets;
}
