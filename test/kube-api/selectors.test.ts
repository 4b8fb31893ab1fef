// Label and field selectors as the API server parses them: what matches, and what is a 400.
import { describe, expect, it } from 'vitest';
import { fakeResource } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { StatusError } from './status.js';

const object = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'p', namespace: 'shop', labels },
  ...extra,
});

describe('selectors', () => {
  it('matches label selectors by equality, inequality, existence and sets', () => {
    const matches = (selector: string, labels: Record<string, string>) =>
      parseLabelSelector(selector)(object(labels));
    expect(matches('', {})).toBe(true);
    expect(matches('app=cart', { app: 'cart' })).toBe(true);
    expect(matches('app==cart', { app: 'web' })).toBe(false);
    expect(matches('app!=cart', {})).toBe(true);
    expect(matches('app', { app: '' })).toBe(true);
    expect(matches('!app', { app: 'x' })).toBe(false);
    expect(matches('app in (a, b),tier notin (db)', { app: 'b', tier: 'web' })).toBe(true);
    expect(matches('app in (a, b),tier notin (db)', { app: 'b', tier: 'db' })).toBe(false);
    expect(matches('example.com/part-of=trellis', { 'example.com/part-of': 'trellis' })).toBe(true);
  });

  it('matches field selectors on metadata and on the fields a built-in kind indexes', () => {
    const pods = fakeResource('Pod');
    expect(parseFieldSelector(pods, 'metadata.name=p,metadata.namespace!=pay')(object({}))).toBe(true);
    expect(
      parseFieldSelector(pods, 'status.phase=Running')(object({}, { status: { phase: 'Running' } })),
    ).toBe(true);
    expect(parseFieldSelector(pods, 'spec.nodeName=')(object({}))).toBe(true);
  });

  it('refuses a malformed selector, or a field the resource cannot be selected by, with a 400', () => {
    const codeOf = (parse: () => unknown) => {
      try {
        parse();
        return 0;
      } catch (error) {
        return (error as StatusError).code;
      }
    };
    expect(codeOf(() => parseLabelSelector('a=b=c'))).toBe(400);
    expect(codeOf(() => parseLabelSelector('a in b'))).toBe(400);
    expect(codeOf(() => parseLabelSelector('a,,b'))).toBe(400);
    expect(codeOf(() => parseLabelSelector('-a=b'))).toBe(400);
    expect(codeOf(() => parseFieldSelector(fakeResource('HTTPRoute'), 'spec.hostnames=x'))).toBe(400);
    expect(codeOf(() => parseFieldSelector(fakeResource('Pod'), 'name'))).toBe(400);
  });
});
