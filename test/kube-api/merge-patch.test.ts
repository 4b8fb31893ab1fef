// The patch formats, against the examples of their RFCs and the API server's error classes.
import { describe, expect, it } from 'vitest';
import { applyPatch, JSON_PATCH, MERGE_PATCH, mergePatch, STRATEGIC_MERGE_PATCH } from './merge-patch.js';
import type { StatusError } from './status.js';

describe('merge patch (RFC 7386)', () => {
  // RFC 7386, Appendix A.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j patched with %j is %j', (target, patch, result) => {
    const before = structuredClone(target);
    expect(mergePatch(target, patch)).toEqual(result);
    expect(target).toEqual(before);
  });

  it('keeps a __proto__ member as data', () => {
    const patched = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(patched)).toEqual(['__proto__']);
  });
});

describe('applyPatch', () => {
  const doc = { metadata: { name: 'x' }, spec: { list: [1, 2] } };

  it('applies a JSON patch, a merge patch, and a strategic one as a merge patch', () => {
    expect(applyPatch(JSON_PATCH, doc, [{ op: 'add', path: '/spec/list/-', value: 3 }])).toEqual({
      metadata: { name: 'x' },
      spec: { list: [1, 2, 3] },
    });
    expect(applyPatch(MERGE_PATCH, doc, { spec: { list: [9] } })).toEqual({
      metadata: { name: 'x' },
      spec: { list: [9] },
    });
    expect(applyPatch(STRATEGIC_MERGE_PATCH, doc, { spec: { a: 1 } })).toMatchObject({
      spec: { a: 1, list: [1, 2] },
    });
    expect(doc.spec.list).toEqual([1, 2]);
  });

  it('answers 400 to a patch that does not decode and 422 to one that does not apply', () => {
    const codeOf = (type: string, patch: unknown) => {
      try {
        applyPatch(type, doc, patch);
        return 0;
      } catch (error) {
        return (error as StatusError).code;
      }
    };
    expect(codeOf(JSON_PATCH, { op: 'add' })).toBe(400);
    expect(codeOf(JSON_PATCH, [{ op: 'nope', path: '/a' }])).toBe(400);
    expect(codeOf(JSON_PATCH, [{ op: 'remove', path: '/spec/missing' }])).toBe(422);
    expect(codeOf(JSON_PATCH, [{ op: 'test', path: '/metadata/name', value: 'y' }])).toBe(422);
    expect(codeOf(MERGE_PATCH, [1])).toBe(400);
    expect(codeOf(STRATEGIC_MERGE_PATCH, { spec: { $patch: 'replace' } })).toBe(400);
  });
});
