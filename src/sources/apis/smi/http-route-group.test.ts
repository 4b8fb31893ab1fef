import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parseHttpRouteGroup } from './http-route-group.js';

function parseGroup(text: string) {
  const value = parse(text);
  const apiVersion: string = value.apiVersion;
  const doc: ManifestDocument = { origin: 'routes.yaml', documentIndex: 2, value };
  const parsed = parseHttpRouteGroup(doc, apiVersion, apiVersion.split('/')[1] ?? '');
  return { group: parsed.group, issues: parsed.issues.map(formatIssue), raw: parsed.issues };
}

const v4 = (matches: string, extra = '') =>
  `{ apiVersion: specs.smi-spec.io/v1alpha4, kind: HTTPRouteGroup, metadata: { name: routes, namespace: shop }, spec: { matches: ${matches} }${extra} }`;

describe('HTTPRouteGroup', () => {
  it('lowers each match to one RouteMatch per method, with the path regex anchored at the start only', () => {
    const { group, issues } = parseGroup(
      v4(`[
        { name: metrics, pathRegex: "/metrics", methods: [GET, GET, POST] },
        { name: everything, pathRegex: "", methods: [] }
      ]`),
    );
    expect(issues).toEqual([]);
    expect(group).toEqual({
      kind: 'valid',
      namespace: 'shop',
      name: 'routes',
      matches: [
        {
          name: 'metrics',
          matches: [
            { path: { kind: 'regex', value: '(?:/metrics).*' }, method: 'GET' },
            { path: { kind: 'regex', value: '(?:/metrics).*' }, method: 'POST' },
          ],
        },
        { name: 'everything', matches: [{}] },
      ],
    });
  });

  it('skips a match that is invalid and serves the others', () => {
    const { group, raw } = parseGroup(
      v4(`[
        { name: lookahead, pathRegex: "/a(?=b)" },
        { name: unbalanced, pathRegex: "/a(b" },
        { name: verbs, methods: [GET, FETCH] },
        { name: headers, headers: { "bad name": x, ok: 3, re: "a\\\\1" } },
        { pathRegex: /nameless },
        { name: dup },
        { name: dup, pathRegex: /second },
        "not a match",
        { name: good, pathRegex: "(?i)/Good" }
      ]`),
    );
    expect(group?.kind === 'valid' && group.matches.map((m) => m.name)).toEqual(['dup', 'good']);
    expect(raw.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[0].pathRegex: must be an RE2 regular expression: invalid perl operator: (?=, got "/a(?=b)"; this match is skipped',
      ],
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[1].pathRegex: must be an RE2 regular expression: missing ): /a(b, got "/a(b"; this match is skipped',
      ],
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[2].methods[1]: must be one of *, GET, HEAD, PUT, POST, DELETE, CONNECT, OPTIONS, TRACE, PATCH, got "FETCH"; this match is skipped',
      ],
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[3].headers["bad name"]: header name "bad name" must be an HTTP token: letters, digits and !#$%&\'*+-.^_`|~; this match is skipped',
      ],
      [
        'InvalidType',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[3].headers.ok: must be a regex string, got 3; this match is skipped',
      ],
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[3].headers.re: must be an RE2 regular expression: invalid escape sequence: \\1, got "a\\\\1"; this match is skipped',
      ],
      [
        'MissingField',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[4].name: is required; this match is skipped',
      ],
      [
        'InvalidValue',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[6].name: "dup" is already the name of spec.matches[5]; this match is skipped',
      ],
      [
        'InvalidType',
        'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[7]: must be a mapping, got "not a match"; this match is skipped',
      ],
    ]);
  });

  it('reads v1alpha2 matches at the top level and warns about a spec there', () => {
    const { group, issues, raw } = parseGroup(
      '{ apiVersion: specs.smi-spec.io/v1alpha2, kind: HTTPRouteGroup, metadata: { name: g }, matches: [{ name: a, headers: [{ x-user: "1.*" }, { x-beta: "yes" }] }], spec: { matches: [] } }',
    );
    expect(group).toEqual({
      kind: 'valid',
      namespace: 'default',
      name: 'g',
      matches: [
        {
          name: 'a',
          matches: [
            {
              headers: [
                { name: 'x-user', match: { kind: 'regex', value: '1.*' } },
                { name: 'x-beta', match: { kind: 'regex', value: 'yes' } },
              ],
            },
          ],
        },
      ],
    });
    expect(raw[0]?.severity).toBe('warning');
    expect(issues).toEqual([
      'routes.yaml[doc 2]: HTTPRouteGroup default/g: spec: is not a field of HTTPRouteGroup specs.smi-spec.io/v1alpha2 (it is read in v1alpha3, v1alpha4); ignored',
    ]);
  });

  it('requires spec.matches in v1alpha3 and later, and remembers an invalid group by name', () => {
    const { group, issues } = parseGroup(
      '{ apiVersion: specs.smi-spec.io/v1alpha3, kind: HTTPRouteGroup, metadata: { name: g, namespace: shop }, matches: [{ name: a }] }',
    );
    expect(group).toEqual({ kind: 'invalid', namespace: 'shop', name: 'g' });
    expect(issues).toEqual([
      'routes.yaml[doc 2]: HTTPRouteGroup shop/g: matches: is not a field of HTTPRouteGroup specs.smi-spec.io/v1alpha3 (it is read in v1alpha2); ignored',
      'routes.yaml[doc 2]: HTTPRouteGroup shop/g: spec: is required',
    ]);
  });

  it('warns about unknown fields inside a match but still serves it', () => {
    const { group, issues } = parseGroup(v4('[{ name: a, pathRegex: /a, port: 80 }]'));
    expect(group?.kind).toBe('valid');
    expect(issues).toEqual([
      'routes.yaml[doc 2]: HTTPRouteGroup shop/routes: spec.matches[0].port: is not a field of HTTPRouteGroup specs.smi-spec.io/v1alpha4; ignored',
    ]);
  });
});
