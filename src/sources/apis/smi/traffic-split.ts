// SMI TrafficSplit (split.smi-spec.io v1alpha2–v1alpha4): weighted backends for the traffic
// addressed to a root service, optionally only for requests matching HTTPRouteGroups (v1alpha3+).
//
// Lowered to one RouteContribution for the root service. Without matches: one catch-all HTTP route
// and one TCP route, both split. With matches: one HTTP route per group match (and per method)
// split, then a catch-all to the root service, because SMI routes whatever the groups do not match
// to the root service, not to nothing. A bad match is reported and skipped; a bad root or backend
// makes the split unusable, and traffic keeps going to the root service as if it did not exist.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { Backend, HttpRoute, Origin, RouteAction, TcpRoute } from '../../../model/routing.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { integer, list, object, objectMeta, string } from '../core/fields.js';
import { isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { dropNote } from '../shared/list-item-issues.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { validateAt } from '../shared/validate-at.js';
import type { RouteGroup } from './http-route-group.js';
import { serviceNameIn } from './service-name.js';
import { rowsFor, smiFieldWalk } from './support.js';

const KIND = 'TrafficSplit';
export const MAX_WEIGHT = 1_000_000;
const ROUTE_GROUP_API_GROUP = 'specs.smi-spec.io';

/** Status of the requests a split with nothing but zero weights carries, as the Gateway API answers them. */
const NO_WEIGHT_STATUS = 500;

const backendSchema = object({
  service: string(),
  weight: integer(0, MAX_WEIGHT),
});

const specFields = {
  service: string(),
  backends: list(backendSchema).min(1, { message: 'must list at least one backend' }),
};

const splitSchema = object({ metadata: objectMeta('dns1123Subdomain'), spec: object(specFields) });

// Matches are validated one at a time below, so that a bad one is skipped, not fatal.
const splitSchemaWithMatches = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({ ...specFields, matches: list(z.unknown()).nullish() }),
});

const matchRefSchema = object({
  kind: string(),
  name: string().min(1, { message: 'must name an HTTPRouteGroup' }),
  apiGroup: string().nullish(),
});

export interface SplitContext {
  readonly clusterDomain: string;
  /** HTTPRouteGroups by "namespace/name". */
  readonly groups: ReadonlyMap<string, RouteGroup>;
}

export function parseTrafficSplit(
  doc: ManifestDocument,
  apiVersion: string,
  version: string,
  ctx: SplitContext,
): { contribution?: RouteContribution; issues: Issue[] } {
  const report = reporter(doc, resourceRefOf(KIND, doc.value, true));
  const issues = unsupportedFields(
    doc.value,
    fieldTree(rowsFor(KIND, version)),
    smiFieldWalk(KIND, apiVersion),
    report,
  );
  const result =
    version === 'v1alpha2'
      ? validate(splitSchema, doc, report)
      : validate(splitSchemaWithMatches, doc, report);
  if (!result.ok) return { issues: [...issues, ...result.issues] };
  const metadata = result.data.metadata;
  // v1alpha2 has no matches: its output is the same spec without them.
  const spec: z.output<typeof splitSchemaWithMatches>['spec'] = result.data.spec;
  const namespace = namespaceOf(metadata);
  const origin: Origin = { kind: KIND, namespace, name: metadata.name };

  const root = serviceNameIn(spec.service, namespace, ctx.clusterDomain);
  if (!root.ok) issues.push(report('spec.service', 'InvalidValue', root.message));
  const backends: Backend[] = [];
  spec.backends.forEach((backend, i) => {
    const named = serviceNameIn(backend.service, namespace, ctx.clusterDomain);
    if (!named.ok) issues.push(report(`spec.backends[${i}].service`, 'InvalidValue', named.message));
    else backends.push({ kind: 'service', service: { namespace, name: named.name }, weight: backend.weight });
  });
  if (!root.ok || backends.length < spec.backends.length) return { issues };

  const split = splitAction(backends, report, issues);
  const name = (suffix: string | number) => `${KIND}/${namespace}/${metadata.name}/${suffix}`;
  const rootService = { namespace, name: root.name };
  const refs = spec.matches ?? [];
  let http: HttpRoute[];
  let tcp: TcpRoute[];
  if (refs.length === 0) {
    http = [{ name: name(0), origin, match: {}, action: split }];
    tcp = [
      { name: name('tcp'), origin, backends: split.kind === 'forward' ? split.backends : noWeightTcp() },
    ];
  } else {
    const matches = refs.flatMap((ref, i) => groupMatches(ref, i, namespace, ctx.groups, report, issues));
    http = matches.map((match, i) => ({ name: name(i), origin, match, action: split }));
    http.push({
      name: name(matches.length),
      origin,
      match: {},
      action: { kind: 'forward', backends: [{ kind: 'service', service: rootService, weight: 1 }] },
    });
    // Groups match HTTP requests only: other traffic goes to the root service as it would without the split.
    tcp = [];
  }
  const createdAt = creationTimestampOf(doc.value);
  return {
    contribution: {
      family: 'smi',
      origin,
      ...(createdAt ? { createdAt } : {}),
      service: rootService,
      http,
      tcp,
    },
    issues,
  };
}

function splitAction(backends: readonly Backend[], report: Report, issues: Issue[]): RouteAction {
  if (backends.some((b) => b.weight > 0)) return { kind: 'forward', backends };
  issues.push(
    report(
      'spec.backends',
      'InvalidValue',
      `every backend has weight 0: the requests this split carries are answered with HTTP ${NO_WEIGHT_STATUS}`,
      'warning',
    ),
  );
  return { kind: 'direct', status: NO_WEIGHT_STATUS };
}

/** TCP has no status to answer with: a connection the split would carry is refused. */
function noWeightTcp(): Backend[] {
  return [{ kind: 'invalid', weight: 1, status: NO_WEIGHT_STATUS, reason: 'every backend has weight 0' }];
}

/** The RouteMatches of one spec.matches entry, or none (reported) when it cannot be followed. */
function groupMatches(
  ref: unknown,
  index: number,
  namespace: string,
  groups: ReadonlyMap<string, RouteGroup>,
  report: Report,
  issues: Issue[],
) {
  const at = `spec.matches[${index}]`;
  const parsed = validateAt(matchRefSchema, ref, at, report);
  if (!parsed.ok) {
    issues.push(...parsed.issues.map(dropNote('this match is skipped')));
    return [];
  }
  const { kind, name, apiGroup } = parsed.data;
  if (kind !== 'HTTPRouteGroup') {
    issues.push(
      report(
        `${at}.kind`,
        'UnsupportedValue',
        `only HTTPRouteGroup matches are supported, got ${JSON.stringify(kind)}; this match is skipped`,
      ),
    );
    return [];
  }
  if (apiGroup && apiGroup !== ROUTE_GROUP_API_GROUP) {
    issues.push(
      report(
        `${at}.apiGroup`,
        'InvalidValue',
        `must be ${JSON.stringify(ROUTE_GROUP_API_GROUP)}, got ${JSON.stringify(apiGroup)}; this match is skipped`,
      ),
    );
    return [];
  }
  const group = groups.get(`${namespace}/${name}`);
  if (!group || group.kind === 'invalid') {
    const why = group ? 'is invalid (see its own issues)' : 'does not exist';
    issues.push(
      report(
        `${at}.name`,
        'BadReference',
        `HTTPRouteGroup ${namespace}/${name} ${why}; this match is skipped`,
      ),
    );
    return [];
  }
  return group.matches.flatMap((m) => m.matches);
}

/** metadata.creationTimestamp, read leniently: it only orders otherwise equal resources. */
export function creationTimestampOf(value: unknown): string | undefined {
  if (!isRecord(value) || !isRecord(value.metadata)) return undefined;
  const stamp = value.metadata.creationTimestamp;
  return typeof stamp === 'string' && stamp !== '' ? stamp : undefined;
}
