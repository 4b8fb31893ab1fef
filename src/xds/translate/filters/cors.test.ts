import { describe, expect, it } from 'vitest';
import { corsPolicy } from './cors.js';

describe('CORS policies', () => {
  it('match origins and join the lists Envoy takes as comma-separated strings', () => {
    expect(
      corsPolicy({
        allowOrigins: [
          { kind: 'exact', value: 'https://a' },
          { kind: 'regex', value: 'https://.*\\.b' },
        ],
        allowMethods: ['GET', 'PUT'],
        allowHeaders: ['x-a'],
        exposeHeaders: ['x-b', 'x-c'],
        maxAgeSeconds: 600,
        allowCredentials: false,
      }),
    ).toEqual({
      allow_origin_string_match: [{ exact: 'https://a' }, { safe_regex: { regex: 'https://.*\\.b' } }],
      allow_methods: 'GET,PUT',
      allow_headers: 'x-a',
      expose_headers: 'x-b,x-c',
      max_age: '600',
      allow_credentials: false,
    });
  });

  it('leaves out what the policy does not say', () => {
    expect(corsPolicy({ allowOrigins: [], allowMethods: [] })).toEqual({ allow_origin_string_match: [] });
  });
});
