import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from '../apis/manifest.js';
import { ManifestIndex } from './manifest-index.js';

const doc = (origin: string, name: string): ManifestDocument => ({
  origin,
  documentIndex: 0,
  value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

function captureLogger() {
  const lines: { level: number; msg: string; origin?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('ManifestIndex', () => {
  it('holds the documents by origin, in origin order, whatever order they came in', () => {
    const index = new ManifestIndex();
    const c = doc('c', 'c');
    const a = doc('a', 'a');
    const b = doc('b', 'b');
    expect(index.apply([{ type: 'added', origin: 'c', documents: [c] }])).toEqual(new Set(['c']));
    index.apply([
      { type: 'added', origin: 'a', documents: [a] },
      { type: 'added', origin: 'b', documents: [b] },
    ]);
    expect(index.versions().map((v) => v.origin)).toEqual(['a', 'b', 'c']);
    index.apply([{ type: 'deleted', origin: 'b' }]);
    expect(index.versions().map((v) => v.origin)).toEqual(['a', 'c']);
    expect(index.size).toBe(2);
  });

  it('an update that hands over the documents it already holds changes nothing', () => {
    const index = new ManifestIndex();
    const a = doc('a', 'a');
    index.apply([{ type: 'added', origin: 'a', documents: [a] }]);
    expect(index.apply([{ type: 'updated', origin: 'a', documents: [a] }]).size).toBe(0);
    const a2 = doc('a', 'a2');
    expect(index.apply([{ type: 'updated', origin: 'a', documents: [a2] }])).toEqual(new Set(['a']));
    expect(index.get('a')?.documents).toEqual([a2]);
  });

  it('an add of a known origin is an update, an update of an unknown one an add', () => {
    const index = new ManifestIndex();
    index.apply([{ type: 'updated', origin: 'a', documents: [doc('a', 'a')] }]);
    index.apply([{ type: 'added', origin: 'a', documents: [doc('a', 'b')] }]);
    expect(index.versions()).toHaveLength(1);
    expect(index.get('a')?.documents[0]?.value).toMatchObject({ metadata: { name: 'b' } });
  });

  it('ignores a delete of an origin it does not hold, with a debug line', () => {
    const { logger, lines } = captureLogger();
    const index = new ManifestIndex(logger);
    index.apply([{ type: 'added', origin: 'a', documents: [doc('a', 'a')] }]);
    expect(index.apply([{ type: 'deleted', origin: 'kube:core/Pod/shop/gone' }]).size).toBe(0);
    expect(index.versions().map((v) => v.origin)).toEqual(['a']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        origin: 'kube:core/Pod/shop/gone',
        msg: expect.stringContaining('ignored'),
      }),
    ]);
  });
});
