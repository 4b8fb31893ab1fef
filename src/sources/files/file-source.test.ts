import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { formatIssue } from '../../model/issue.js';
import type { SourceState } from '../source.js';
import { FileSource } from './file-source.js';

let dir: string;
let source: FileSource | undefined;
let states: SourceState[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trellis-file-source-'));
  source = undefined;
  states = [];
});

afterEach(async () => {
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
});

const service = (name: string, port: number | string = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec: { clusterIP: None, ports: [{ port: ${port} }] }\n`;

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
}

async function start(logger = silentLogger()): Promise<SourceState> {
  source = new FileSource(dir, { logger, debounceMs: 20 });
  return source.start((state) => states.push(state));
}

/** Polls until `check` passes on the latest emitted state; fails after a bounded wait. */
async function waitForState(
  what: string,
  check: (state: SourceState) => boolean,
  timeoutMs = 5000,
): Promise<SourceState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = states.at(-1);
    if (latest && check(latest)) return latest;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(latest ?? null)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const serviceNames = (state: SourceState) => state.mesh.services.map((s) => s.name);
const ports = (state: SourceState) => state.mesh.services.map((s) => `${s.name}:${s.ports[0]?.port}`);

function captureLogger(level: 'info' | 'debug' = 'info') {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('FileSource', () => {
  it('resolves start with the first complete state', async () => {
    await write('a.yaml', service('web'));
    await write('sub/b.yaml', service('api'));
    const initial = await start();
    expect(serviceNames(initial)).toEqual(['api', 'web']);
    expect(initial.issues).toEqual([]);
  });

  it('watches a directory given relative to the working directory', async () => {
    source = new FileSource(path.relative(process.cwd(), dir), { logger: silentLogger(), debounceMs: 20 });
    await source.start((state) => states.push(state));
    await write('sub/a.yaml', service('web'));
    const state = await waitForState('the new service', (s) => serviceNames(s).includes('web'));
    expect(state.issues).toEqual([]);
  });

  it('emits a change when a file is added', async () => {
    const initial = await start();
    expect(serviceNames(initial)).toEqual([]);
    await write('a.yaml', service('web'));
    await waitForState('the new service', (state) => serviceNames(state).includes('web'));
  });

  it('emits a change when a file is edited', async () => {
    await write('a.yaml', service('web', 80));
    await start();
    await write('a.yaml', service('web', 81));
    await waitForState('the new port', (state) => ports(state).join() === 'web:81');
  });

  it('ends with the content of the last of several quick writes to one file', async () => {
    await write('a.yaml', service('web', 80));
    await start();
    for (const port of [81, 82, 83, 84]) await write('a.yaml', service('web', port));
    await waitForState('the last port', (state) => ports(state).join() === 'web:84');
  });

  it('emits a change when a file is deleted', async () => {
    await write('a.yaml', service('web'));
    await write('b.yaml', service('api'));
    await start();
    await unlink(path.join(dir, 'a.yaml'));
    await waitForState('web removed', (state) => serviceNames(state).join() === 'api');
  });

  it('follows directories that are added and removed', async () => {
    await start();
    await write('team/x/a.yaml', service('web'));
    await waitForState('the service in a new directory', (state) => serviceNames(state).join() === 'web');
    await rm(path.join(dir, 'team'), { recursive: true });
    await waitForState('the directory gone', (state) => state.mesh.services.length === 0);
  });

  it('reports an invalid document while serving the rest, and clears the issue once it is fixed', async () => {
    const { logger, lines } = captureLogger();
    await write('a.yaml', service('web'));
    await write('b.yaml', service('api'));
    await start(logger);

    await write('b.yaml', `${service('api')}---\n${service('cart', 'abc')}`);
    const broken = await waitForState('the issue', (state) => state.issues.length > 0);
    expect(serviceNames(broken)).toEqual(['api', 'web']);
    const expected =
      'b.yaml[doc 1]: Service shop/cart: spec.ports[0].port: must be an integer 1..65535, got "abc"';
    expect(broken.issues.map(formatIssue)).toEqual([expected]);

    await write('b.yaml', `${service('api')}---\n${service('cart', 8080)}`);
    const fixed = await waitForState('the issue cleared', (state) => state.issues.length === 0);
    expect(ports(fixed)).toEqual(['api:80', 'cart:8080', 'web:80']);

    const about = lines.filter((line) => line.msg.includes(expected));
    expect(about.map((line) => [line.level, line.msg])).toEqual([
      [40, `manifest error: ${expected}`],
      [30, `manifest error cleared: ${expected}`],
    ]);
  });

  it('reports bad YAML in a watched file and keeps serving the file’s last good version', async () => {
    await write('a.yaml', service('web'));
    await start();
    await write('a.yaml', `${service('web', 81)}---\nkind: [\n`);
    const state = await waitForState('the YAML issue', (s) => s.issues.some((i) => i.reason === 'BadYAML'));
    expect(ports(state)).toEqual(['web:80']);
    expect(state.issues.map((i) => [i.origin, i.documentIndex])).toEqual([['a.yaml', 1]]);
    expect(state.issues[0]?.message).toMatch(
      /^serving the last good version of a\.yaml from \S+ because: invalid YAML/,
    );
  });

  it('emits nothing when a file is rewritten with the same resources', async () => {
    const { logger, lines } = captureLogger('debug');
    await write('a.yaml', service('web'));
    await start(logger);
    await write('a.yaml', `# a comment changes the bytes, not the resources\n${service('web')}`);
    const deadline = Date.now() + 5000;
    while (!lines.some((line) => line.msg.includes('nothing changed'))) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the re-read');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(states).toEqual([]);
  });

  it('ignores files that are not manifests', async () => {
    await start();
    await write('notes.txt', 'not: [yaml');
    await write('.hidden.yaml', service('hidden'));
    await write('z.yaml', service('web'));
    const state = await waitForState('the manifest', (s) => serviceNames(s).includes('web'));
    expect(serviceNames(state)).toEqual(['web']);
    expect(state.issues).toEqual([]);
  });

  it('rejects start when the directory does not exist, and stop is then harmless', async () => {
    source = new FileSource(path.join(dir, 'missing'), { logger: silentLogger() });
    await expect(source.start(() => {})).rejects.toThrow(
      'cannot be read: no such file or directory (ENOENT)',
    );
    await source.stop();
  });

  it('emits nothing after stop', async () => {
    await start();
    await source!.stop();
    await write('a.yaml', service('web'));
    // Give a stray watcher every chance to fire: poll a bounded number of times.
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(states).toEqual([]);
  });
});
