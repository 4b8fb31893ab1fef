import { describe, expect, it } from 'vitest';
import {
  boundedMessage,
  MAX_NACK_MESSAGE_CHARS,
  MAX_REJECTED_NAMES,
  rejectedResources,
} from './nack-record.js';

describe('what a stream keeps of a NACK', () => {
  it('keeps a message of up to 1 KiB as it came', () => {
    const message = 'x'.repeat(MAX_NACK_MESSAGE_CHARS);
    expect(boundedMessage(message)).toBe(message);
    expect(boundedMessage('')).toBe('');
  });

  it('cuts a longer message to 1 KiB and says how long it was', () => {
    const message = `${'Error adding/updating listener(s) '.repeat(10_000)}end`;
    const kept = boundedMessage(message);
    expect(kept.startsWith(message.slice(0, MAX_NACK_MESSAGE_CHARS))).toBe(true);
    expect(kept.slice(MAX_NACK_MESSAGE_CHARS)).toBe(`… [truncated, ${message.length} characters in all]`);
    expect(kept.length).toBeLessThan(MAX_NACK_MESSAGE_CHARS + 64);
  });

  it('never cuts a character made of two UTF-16 units in half', () => {
    const message = `${'x'.repeat(MAX_NACK_MESSAGE_CHARS - 1)}🙂${'y'.repeat(10)}`;
    const kept = boundedMessage(message);
    expect(kept.startsWith(`${'x'.repeat(MAX_NACK_MESSAGE_CHARS - 1)}…`)).toBe(true);
    // encodeURIComponent refuses a lone surrogate.
    expect(() => encodeURIComponent(kept)).not.toThrow();
  });

  it('keeps the count of the rejected names and the first 20 of them by name', () => {
    const names = Array.from({ length: 500 }, (_, i) => `cluster-${String(499 - i).padStart(3, '0')}`);
    const rejected = rejectedResources(names, true);
    expect(rejected.wholeResponse).toBe(true);
    expect(rejected.count).toBe(500);
    expect(rejected.names).toHaveLength(MAX_REJECTED_NAMES);
    expect(rejected.names[0]).toBe('cluster-000');
    expect(rejected.names.at(-1)).toBe('cluster-019');
    expect(rejectedResources(['b', 'a'], false)).toEqual({
      wholeResponse: false,
      count: 2,
      names: ['a', 'b'],
    });
  });
});
