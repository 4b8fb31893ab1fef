import { describe, expect, it } from 'vitest';
import { pathRewriteFields, redirectAction } from './route-rewrite.js';

describe('path rewrites', () => {
  const segment = (value: string) => ({ kind: 'segmentPrefix', value }) as const;
  const prefix = (value: string) => ({ kind: 'prefix', value }) as const;

  it('replace a segment prefix without doubling or losing the slash after it', () => {
    expect(pathRewriteFields(prefix('/xyz'), segment('/foo'))).toEqual({ prefix_rewrite: '/xyz' });
    expect(pathRewriteFields(prefix('/xyz/'), segment('/foo/'))).toEqual({ prefix_rewrite: '/xyz' });
    expect(pathRewriteFields(prefix('/xyz'), segment('/'))).toEqual({ prefix_rewrite: '/xyz/' });
    expect(pathRewriteFields(prefix('/'), segment('/'))).toEqual({ prefix_rewrite: '/' });
  });

  it('drop a segment prefix replaced by "/" or nothing, leaving one slash', () => {
    const dropped = { regex_rewrite: { pattern: { regex: '^/foo\\.v1/*' }, substitution: '/' } };
    expect(pathRewriteFields(prefix('/'), segment('/foo.v1'))).toEqual(dropped);
    expect(pathRewriteFields(prefix(''), segment('/foo.v1/'))).toEqual(dropped);
  });

  it('swap a plain prefix verbatim, as Istio does', () => {
    expect(pathRewriteFields(prefix('/'), prefix('/foo'))).toEqual({ prefix_rewrite: '/' });
  });

  it('replace the whole path with a literal substitution', () => {
    expect(pathRewriteFields({ kind: 'full', value: '/a\\1' }, undefined)).toEqual({
      regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: '/a\\\\1' },
    });
  });
});

describe('redirects', () => {
  it('map the status to Envoy response codes, 302 for one it lacks', () => {
    expect(redirectAction({ status: 308, scheme: 'https', port: 8443 }, undefined)).toEqual({
      scheme_redirect: 'https',
      port_redirect: 8443,
      response_code: 'PERMANENT_REDIRECT',
    });
    expect(redirectAction({ status: 300 }, undefined).response_code).toBe('FOUND');
  });

  it('redirect to a full path or a replaced prefix', () => {
    expect(redirectAction({ status: 301, path: { kind: 'full', value: '/x' } }, undefined)).toMatchObject({
      path_redirect: '/x',
    });
    expect(
      redirectAction(
        { status: 301, path: { kind: 'prefix', value: '/new' } },
        { kind: 'segmentPrefix', value: '/old' },
      ),
    ).toMatchObject({ prefix_rewrite: '/new' });
  });
});
