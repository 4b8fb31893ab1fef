// The SMI routing family: TrafficSplit and the HTTPRouteGroups its matches refer to. Groups are read
// first, so every split can follow its references whatever order the documents came in.
import type { Issue } from '../../../model/issue.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { isRecord, resourceRefOf } from '../core/resource.js';
import { reporter, sortIssues } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { parseHttpRouteGroup, type RouteGroup } from './http-route-group.js';
import { SMI_SUPPORT, SMI_VERSIONS } from './support.js';
import { parseTrafficSplit } from './traffic-split.js';

const SPLIT_GROUP = 'split.smi-spec.io';
const SPECS_GROUP = 'specs.smi-spec.io';

interface Header {
  readonly kind: 'TrafficSplit' | 'HTTPRouteGroup';
  readonly apiVersion: string;
  readonly version: string;
}

export const smiFamily: RoutingFamilyParser = {
  family: 'smi',
  kinds: [
    { group: SPLIT_GROUP, kind: 'TrafficSplit', versions: SMI_VERSIONS },
    { group: SPECS_GROUP, kind: 'HTTPRouteGroup', versions: SMI_VERSIONS },
  ],
  support: SMI_SUPPORT,
  parse(docs, ctx) {
    const issues: Issue[] = [];
    const read: { doc: ManifestDocument; header: Header }[] = [];
    for (const doc of docs) {
      const header = headerOf(doc, issues);
      if (header) read.push({ doc, header });
    }
    const groups = new Map<string, RouteGroup>();
    for (const { doc, header } of read) {
      if (header.kind !== 'HTTPRouteGroup') continue;
      const parsed = parseHttpRouteGroup(doc, header.apiVersion, header.version);
      issues.push(...parsed.issues);
      // The caller drops duplicate names, so a key is never taken twice.
      if (parsed.group) groups.set(`${parsed.group.namespace}/${parsed.group.name}`, parsed.group);
    }
    const routes: RouteContribution[] = [];
    for (const { doc, header } of read) {
      if (header.kind !== 'TrafficSplit') continue;
      const parsed = parseTrafficSplit(doc, header.apiVersion, header.version, {
        clusterDomain: ctx.clusterDomain,
        groups,
      });
      issues.push(...parsed.issues);
      if (parsed.contribution) routes.push(parsed.contribution);
    }
    return { fragment: { routes }, issues: sortIssues(issues) };
  },
};

/** Kind and version; parseManifests only sends documents of ours, but a direct caller may not. */
function headerOf(doc: ManifestDocument, issues: Issue[]): Header | undefined {
  const value = isRecord(doc.value) ? doc.value : {};
  const kind = value.kind;
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const [group, version = ''] = apiVersion.split('/');
  const expected =
    kind === 'TrafficSplit' ? SPLIT_GROUP : kind === 'HTTPRouteGroup' ? SPECS_GROUP : undefined;
  const report = reporter(doc, resourceRefOf(typeof kind === 'string' ? kind : 'unknown', value, true));
  if (expected === undefined) {
    issues.push(
      report(
        'kind',
        'UnsupportedValue',
        `must be TrafficSplit or HTTPRouteGroup, got ${JSON.stringify(kind)}`,
      ),
    );
    return undefined;
  }
  if (group !== expected || !(SMI_VERSIONS as readonly string[]).includes(version)) {
    issues.push(
      report(
        'apiVersion',
        'UnsupportedValue',
        `${kind} is read as ${SMI_VERSIONS.map((v) => `${expected}/${v}`).join(', ')}, got ${JSON.stringify(apiVersion)}`,
      ),
    );
    return undefined;
  }
  return { kind: kind as Header['kind'], apiVersion, version };
}
