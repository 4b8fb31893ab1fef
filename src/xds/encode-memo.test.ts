import { describe, expect, it, vi } from 'vitest';
import { contentHash } from './cache/snapshot.js';
import { type Encode, EncodeMemo } from './encode-memo.js';
import { encodeResource } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';

const cluster = (name: string, timeout = '1s') => ({ name, type: 'STATIC', connect_timeout: timeout });

function counting(): { encode: Encode; calls: () => number } {
  const encode = vi.fn<Encode>(encodeResource);
  return { encode, calls: () => encode.mock.calls.length };
}

describe('EncodeMemo', () => {
  it('encodes and validates equal content once, and hands out one resource object for it', () => {
    const { encode, calls } = counting();
    const memo = new EncodeMemo({ encode });
    const first = memo.encode(TYPE_URL.cluster, 'a', cluster('a'));
    const second = memo.encode(TYPE_URL.cluster, 'a', cluster('a'));
    expect(calls()).toBe(1);
    expect(first.ok && second.ok && first.resource === second.resource).toBe(true);
    expect(memo.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('versions a resource by the content hash of its bytes', () => {
    const outcome = new EncodeMemo().encode(TYPE_URL.cluster, 'a', cluster('a'));
    if (!outcome.ok) throw new Error('expected a valid cluster');
    expect(outcome.resource.version).toBe(contentHash(outcome.resource.value));
    expect(outcome.resource.name).toBe('a');
  });

  it('tells different content apart', () => {
    const { encode, calls } = counting();
    const memo = new EncodeMemo({ encode });
    memo.encode(TYPE_URL.cluster, 'a', cluster('a', '1s'));
    memo.encode(TYPE_URL.cluster, 'a', cluster('a', '2s'));
    expect(calls()).toBe(2);
    expect(memo.stats()).toMatchObject({ hits: 0, misses: 2, entries: 2 });
  });

  it('keeps failures too, with their field paths', () => {
    const { encode, calls } = counting();
    const memo = new EncodeMemo({ encode });
    const first = memo.encode(TYPE_URL.cluster, 'a', cluster('a', '-1s'));
    const second = memo.encode(TYPE_URL.cluster, 'a', cluster('a', '-1s'));
    expect(calls()).toBe(1);
    expect(second).toBe(first);
    expect(first.ok ? [] : first.errors.map((e) => e.path)).toEqual(['connect_timeout']);
  });

  it('stays within its byte bound, dropping the least recently used', () => {
    const { encode, calls } = counting();
    const memo = new EncodeMemo({ encode, maxBytes: 1000 });
    for (let i = 0; i < 20; i++) memo.encode(TYPE_URL.cluster, `c${i}`, cluster(`c${i}`));
    const { bytes, entries } = memo.stats();
    expect(bytes).toBeLessThanOrEqual(1000);
    expect(entries).toBeLessThan(20);
    memo.encode(TYPE_URL.cluster, 'c0', cluster('c0'));
    expect(calls()).toBe(21);
  });

  it('encodes every time when its bound is 0', () => {
    const { encode, calls } = counting();
    const memo = new EncodeMemo({ encode, maxBytes: 0 });
    memo.encode(TYPE_URL.cluster, 'a', cluster('a'));
    memo.encode(TYPE_URL.cluster, 'a', cluster('a'));
    expect(calls()).toBe(2);
    expect(memo.stats()).toMatchObject({ hits: 0, misses: 2, entries: 0, bytes: 0 });
  });
});
