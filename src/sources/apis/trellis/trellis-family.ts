// Trellis's own routing API: LocalRateLimitPolicy. Each document stands alone.
import type { Issue } from '../../../model/issue.js';
import type { RateLimitPolicy, ResourceStatus } from '../../../model/routing.js';
import { isRecord, resourceRefOf } from '../core/resource.js';
import { reporter, sortIssues } from '../issues.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { API_VERSION, KIND, parseLocalRateLimitPolicy } from './local-rate-limit-policy.js';
import { TRELLIS_SUPPORT } from './support.js';

export const trellisFamily: RoutingFamilyParser = {
  family: 'trellis',
  kinds: [{ group: 'trellis.dev', kind: KIND, versions: ['v1alpha1'] }],
  support: TRELLIS_SUPPORT,
  parse(docs) {
    const issues: Issue[] = [];
    const rateLimits: RateLimitPolicy[] = [];
    const statuses: ResourceStatus[] = [];
    for (const doc of docs) {
      const value = isRecord(doc.value) ? doc.value : {};
      // parseManifests only sends documents of ours, but a direct caller may not.
      if (value.kind !== KIND || value.apiVersion !== API_VERSION) {
        const report = reporter(doc, resourceRefOf(KIND, doc.value, true));
        issues.push(
          value.kind !== KIND
            ? report('kind', 'UnsupportedValue', `must be ${KIND}, got ${JSON.stringify(value.kind)}`)
            : report(
                'apiVersion',
                'UnsupportedValue',
                `must be ${API_VERSION}, got ${JSON.stringify(value.apiVersion)}`,
              ),
        );
        continue;
      }
      const parsed = parseLocalRateLimitPolicy(doc);
      issues.push(...parsed.issues);
      if (parsed.rateLimit) rateLimits.push(parsed.rateLimit);
      if (parsed.status) statuses.push(parsed.status);
    }
    return { fragment: { rateLimits, statuses }, issues: sortIssues(issues) };
  },
};
