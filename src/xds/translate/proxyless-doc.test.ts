import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseVersion } from '../../model/client-profile.js';
import { clientDialect, VERSIONED_FORMS } from './client-dialect.js';
import { proxylessPage } from './proxyless-doc.js';
import { featureGaps, GRPC_FEATURES } from './proxyless-features.js';

const page = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/proxyless.md');

describe('docs/proxyless.md', () => {
  it('is exactly what the translation tables say (regenerate with npm run docs)', () => {
    const expected = proxylessPage();
    if (process.env.TRELLIS_DOCS_UPDATE === '1') fs.writeFileSync(page, expected);
    expect(fs.readFileSync(page, 'utf8')).toBe(expected);
  });

  it('names only releases the code can compare', () => {
    for (const row of [...VERSIONED_FORMS, ...GRPC_FEATURES]) {
      for (const since of Object.values(row.since))
        expect(parseVersion(since), `${row.what}: ${since}`).toBeDefined();
    }
  });
});

describe('the versioned forms', () => {
  it('switch exactly at the release the page names', () => {
    for (const form of VERSIONED_FORMS) {
      for (const [language, since] of Object.entries(form.since)) {
        const first = parseVersion(since)!;
        const before = {
          ...first,
          patch: first.patch - 1,
          minor: first.patch === 0 ? first.minor - 1 : first.minor,
        };
        const at = clientDialect({ kind: 'grpc', language: language as 'go', version: first });
        const earlier = clientDialect({ kind: 'grpc', language: language as 'go', version: before });
        expect(at[form.id], `${form.id} ${language} ${since}`).toBe(true);
        if (since !== '1.0.0') expect(earlier[form.id], `${form.id} ${language} before ${since}`).toBe(false);
      }
    }
  });
});

describe('feature gaps', () => {
  it('name what an older release goes without, and nothing for a current one or for Envoy', () => {
    const old = featureGaps({ kind: 'grpc', language: 'go', version: { major: 1, minor: 38, patch: 0 } });
    expect(old.map((g) => g.grfc)).toEqual(['A44', 'A29', 'A42']);
    expect(old[0]).toMatchObject({ since: '1.41.0', instead: 'the client ignores the policy: no retries' });
    expect(featureGaps({ kind: 'grpc', language: 'go', version: { major: 1, minor: 60, patch: 0 } })).toEqual(
      [],
    );
    expect(featureGaps({ kind: 'envoy' })).toEqual([]);
  });

  it('name, for a release it cannot read, only what its older forms do less (ring hash)', () => {
    expect(featureGaps({ kind: 'grpc', language: 'unknown' })).toEqual([
      expect.objectContaining({ grfc: 'A42', since: 'a release it did not name' }),
    ]);
    expect(featureGaps({ kind: 'grpc', language: 'java' }).map((g) => g.grfc)).toEqual(['A42']);
  });

  it('count a release with no support at all as going without', () => {
    const node = featureGaps({ kind: 'grpc', language: 'node', version: { major: 1, minor: 2, patch: 0 } });
    expect(node.map((g) => g.grfc)).toEqual(['A28', 'A31', 'A33', 'A44', 'A29', 'A42']);
  });
});
