#!/usr/bin/env node
// `npm run golden`: runs the golden tests: translation (src/xds/translate/testdata) and injection
// (src/injector/testdata/injection).
// `npm run golden -- --update`: rewrites every testdata/<case>/out.yaml from its in.yaml and deletes
// orphaned goldens (an out.yaml whose case has no in.yaml any more). Review the diff like code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testdata = path.join(repo, 'src/xds/translate/testdata');
const update = process.argv.includes('--update');

const unknown = process.argv.slice(2).filter((arg) => arg !== '--update');
if (unknown.length > 0) {
  console.error(`usage: npm run golden [-- --update]  (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}

if (update) {
  for (const entry of fs.readdirSync(testdata, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(testdata, entry.name);
    const out = path.join(dir, 'out.yaml');
    if (fs.existsSync(path.join(dir, 'in.yaml')) || !fs.existsSync(out)) continue;
    fs.rmSync(out);
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    console.log(`golden: deleted orphaned ${path.relative(repo, out)}`);
  }
}

const vitest = path.join(repo, 'node_modules/vitest/vitest.mjs');
const result = spawnSync(
  process.execPath,
  [vitest, 'run', 'src/xds/translate/golden.test.ts', 'src/injector/golden.test.ts'],
  {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, ...(update ? { TRELLIS_GOLDEN_UPDATE: '1' } : {}) },
  },
);
if (result.error) {
  console.error(`golden: could not run vitest: ${result.error.message}`);
  process.exit(1);
}
if (update && result.status === 0)
  console.log('golden: out.yaml files rewritten; review them with `git diff`');
process.exit(result.status ?? 1);
