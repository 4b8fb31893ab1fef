import { describe, expect, it } from 'vitest';
import { describeIdentity, parseSpiffeId, spiffeId } from './identity.js';

describe('SPIFFE identities', () => {
  it('round-trips spiffe://<td>/ns/<ns>/sa/<sa>', () => {
    const identity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' };
    expect(spiffeId(identity)).toBe('spiffe://cluster.local/ns/shop/sa/cart');
    expect(parseSpiffeId(spiffeId(identity))).toEqual({ ok: true, value: identity });
    expect(describeIdentity(identity)).toBe('shop/cart');
  });

  it.each([
    ['https://cluster.local/ns/a/sa/b', 'is not a spiffe:// URI'],
    ['spiffe://cluster.local/ns/a', 'is not of the form'],
    ['spiffe://cluster.local/ns/a/sa/b/extra', 'is not of the form'],
    ['spiffe://cluster.local/sa/a/ns/b', 'is not of the form'],
    ['spiffe://Cluster.Local/ns/a/sa/b', 'trust domain "Cluster.Local"'],
    ['spiffe://cluster.local/ns/A_B/sa/b', 'namespace "A_B"'],
    ['spiffe://cluster.local/ns/a/sa/', 'service account ""'],
    [`spiffe://cluster.local/ns/a/sa/${'x'.repeat(3000)}`, 'over the 2048 allowed'],
  ])('refuses %s, saying why', (uri, reason) => {
    const result = parseSpiffeId(uri);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toContain(reason);
  });
});
