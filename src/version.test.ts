import fs from 'node:fs';
import { expect, it } from 'vitest';
import { TRELLIS_VERSION } from './version.js';

it('is the version package.json says', () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(TRELLIS_VERSION).toBe(pkg.version);
});
