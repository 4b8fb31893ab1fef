// A write in progress read by a reload that was already due: `writeFile` truncates the file, then
// writes it, and a read in between sees an empty file. The race that made the live hostile-generator
// test lose its anchor (a settle pass read 0-anchor.yaml just as the test rewrote it), made certain
// here: the read of the anchor is wrapped so that the truncation lands just before it and the write
// just after it.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import type { SourceState } from '../source.js';
import { FileSource } from './file-source.js';

/** Runs around the next read of `origin`, once: `before` just before it, `after` just after it. */
const tear = vi.hoisted(() => ({
  next: undefined as { origin: string; before: () => Promise<void>; after: () => Promise<void> } | undefined,
}));

vi.mock('./read-file.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./read-file.js')>();
  return {
    ...actual,
    readManifestFile: async (...args: Parameters<typeof actual.readManifestFile>) => {
      const torn = tear.next?.origin === args[1] ? tear.next : undefined;
      if (!torn) return actual.readManifestFile(...args);
      tear.next = undefined;
      await torn.before();
      try {
        return await actual.readManifestFile(...args);
      } finally {
        await torn.after();
      }
    },
  };
});

const ANCHOR = '0-anchor.yaml';
const service = (port: number) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { clusterIP: None, ports: [{ port: ${port} }] }\n`;

let dir: string;
let source: FileSource | undefined;
let states: SourceState[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trellis-torn-write-'));
  source = undefined;
  states = [];
  tear.next = undefined;
});

afterEach(async () => {
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
});

const webPort = (state: SourceState) => state.mesh.services.find((s) => s.name === 'web')?.ports[0]?.port;

describe('FileSource and a write in progress', () => {
  it('does not serve a file read between its truncation and its write', async () => {
    // The anchor and, in a file that sorts after it, a duplicate of its Service: while the anchor
    // serves it, the duplicate is refused; were the anchor empty for one build, the duplicate would
    // become the one served, and stay so (duplicates are settled by age).
    await writeFile(path.join(dir, ANCHOR), service(8080));
    await writeFile(path.join(dir, 'b-duplicate.yaml'), service(1234));
    source = new FileSource(dir, { logger: silentLogger(), debounceMs: 20 });
    const initial = await source.start((state) => states.push(state));
    expect(webPort(initial)).toBe(8080);

    // A reload of the anchor is due (its rewrite with the same text); the next rewrite of it begins
    // just before that reload reads it and ends just after.
    let torn = false;
    tear.next = {
      origin: ANCHOR,
      before: () => truncate(path.join(dir, ANCHOR), 0),
      after: async () => {
        await writeFile(path.join(dir, ANCHOR), service(8080));
        torn = true;
      },
    };
    await writeFile(path.join(dir, ANCHOR), service(8080));
    await until(() => torn, 'the torn read');
    // The rewrite's own events bring a read of the whole file; then nothing changes any more.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(states.map(webPort), 'the port of web in each state emitted').not.toContain(1234);
    expect(webPort(states.at(-1) ?? initial)).toBe(8080);
  });

  it('takes a file that is empty for good, once it has been quiet for the debounce time', async () => {
    await writeFile(path.join(dir, ANCHOR), service(8080));
    source = new FileSource(dir, { logger: silentLogger(), debounceMs: 20 });
    await source.start((state) => states.push(state));
    await writeFile(path.join(dir, ANCHOR), '');
    await until(() => states.length > 0 && webPort(states.at(-1)!) === undefined, 'web to be withdrawn');
  });
});
