import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTING_FAMILIES } from './families.js';
import { supportTable } from './support-table.js';

const page = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/support.md');

describe('docs/support.md', () => {
  it('is exactly what the parsers declare (regenerate with npm run docs)', () => {
    const expected = supportTable(ROUTING_FAMILIES);
    if (process.env.TRELLIS_DOCS_UPDATE === '1') fs.writeFileSync(page, expected);
    expect(fs.readFileSync(page, 'utf8')).toBe(expected);
  });

  it('lists every kind each family reads', () => {
    for (const family of ROUTING_FAMILIES) {
      for (const kind of family.kinds) {
        expect(
          family.support.some((row) => row.kind === kind.kind),
          `${family.family} ${kind.kind}`,
        ).toBe(true);
      }
    }
  });
});
