import { describe, expect, it } from 'vitest';
import { reporter } from '../issues.js';
import { dropNote, within } from './list-item-issues.js';

const report = reporter({ origin: 'x.yaml', documentIndex: 0, value: {} });

describe('within', () => {
  it('puts field paths below the item, list indexes included', () => {
    const item = within(report, 'spec.rules[2]');
    expect(item('matches[0].path', 'InvalidValue', 'bad').fieldPath).toBe('spec.rules[2].matches[0].path');
    expect(item('[1]', 'InvalidValue', 'bad').fieldPath).toBe('spec.rules[2][1]');
    expect(item('', 'InvalidValue', 'bad').fieldPath).toBe('spec.rules[2]');
  });
});

describe('dropNote', () => {
  it('says what became of the item on errors only', () => {
    const skipped = dropNote('this match is skipped');
    expect(skipped(report('a', 'InvalidValue', 'is wrong')).message).toBe('is wrong; this match is skipped');
    expect(skipped(report('a', 'UnsupportedField', 'is ignored', 'warning')).message).toBe('is ignored');
  });
});
