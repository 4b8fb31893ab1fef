// Hostile and careless input (issue 11): one test per class, each through the file source (what
// `trellis serve` runs) and through `trellis validate`, which must reach the same verdict.
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../cli/validate.js';
import { silentLogger } from '../../log.js';
import { formatIssue } from '../../model/issue.js';
import { type ParseManifestsOptions, parseManifests } from '../apis/core/parse-manifests.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { SourceState } from '../source.js';
import { FileSource, type FileSourceOptions } from './file-source.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './limits.js';
import { readManifestDir } from './read-dir.js';

let dir: string;
let source: FileSource | undefined;
let states: SourceState[];
const cleanup: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trellis-hostile-'));
  source = undefined;
  states = [];
});

afterEach(async () => {
  await source?.stop();
  await rm(dir, { recursive: true, force: true });
  for (const other of cleanup.splice(0)) await rm(other, { recursive: true, force: true });
});

const service = (name: string, port = 80, extra = '') =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop${extra} }\nspec: { clusterIP: None, ports: [{ port: ${port} }] }\n`;

async function write(file: string, text: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
}

const AT = new Date('2030-01-02T03:04:05.000Z');

async function start(opts: Partial<FileSourceOptions> = {}): Promise<SourceState> {
  source = new FileSource(dir, { logger: silentLogger(), debounceMs: 20, now: () => AT, ...opts });
  return source.start((state) => states.push(state));
}

/** Polls until `check` passes on the latest emitted state; fails after a bounded wait. */
async function waitForState(what: string, check: (state: SourceState) => boolean): Promise<SourceState> {
  for (let i = 0; i < 250; i++) {
    const latest = states.at(-1);
    if (latest && check(latest)) return latest;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(states.at(-1) ?? null)}`);
}

interface Verdict {
  readonly services: string[];
  readonly issues: string[];
  readonly exitCode: number;
  readonly output: string;
}

/**
 * What `trellis serve` starts with (the file source's first state) and what `trellis validate` says,
 * after checking that they agree. The source is stopped again.
 */
async function verdict(
  opts: { limits?: ManifestLimits; followExternalLinks?: boolean } = {},
): Promise<Verdict> {
  const served = await start(opts);
  await source!.stop();
  source = undefined;
  const validated = await readManifestDir(dir, opts);
  expect(served).toEqual(validated);
  let output = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const exitCode = await validateCommand(dir, out, opts);
  const issues = served.issues.map((i) => `${i.severity}: ${formatIssue(i)}`);
  // validate prints exactly the issues the server reports.
  expect(output.split('\n').slice(0, issues.length)).toEqual(issues);
  return {
    services: served.mesh.services.map((s) => `${s.name}:${s.ports[0]?.port}`),
    issues,
    exitCode,
    output,
  };
}

const names = (state: SourceState) => state.mesh.services.map((s) => `${s.name}:${s.ports[0]?.port}`);

describe('bounded parsing: the same verdict in serve and validate', () => {
  it('deep JSON nesting is refused with its depth, position and path; the other files are served', async () => {
    await write('ok.yaml', service('web'));
    await write('deep.json', `${'['.repeat(5000)}${']'.repeat(5000)}`);
    const result = await verdict();
    expect(result.services).toEqual(['web:80']);
    expect(result.issues).toEqual([
      `error: deep.json[doc 0]: ${'[0]'.repeat(100)}: at line 1, column 101: nests 5000 levels deep, more than the limit of 100 (--max-depth); nothing of the file is served`,
    ]);
    expect(result.exitCode).toBe(1);
  });

  it('deep YAML nesting is refused before it is composed', async () => {
    await write('ok.yaml', service('web'));
    await write('deep.yaml', `${'['.repeat(5000)}${']'.repeat(5000)}`);
    await write(
      'nested.yaml',
      `a:\n${Array.from({ length: 101 }, (_, i) => `${' '.repeat(2 * i + 2)}k${i}:`).join('\n')} 1\n`,
    );
    const result = await verdict();
    expect(result.services).toEqual(['web:80']);
    expect(result.issues).toEqual([
      'error: deep.yaml[doc 0]: at line 1, column 1001: nests at least 1000 levels deep, more than the limit of 100 (--max-depth); nothing of the file is served',
      `error: nested.yaml[doc 0]: a.${Array.from({ length: 99 }, (_, i) => `k${i}`).join('.')}: nests 102 levels deep, more than the limit of 100 (--max-depth); nothing of the file is served`,
    ]);
  });

  it('an alias bomb is measured as it would expand, and refused', async () => {
    await write('ok.yaml', service('web'));
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n  a: &a "${'x'.repeat(10_000)}"\n  list: [${Array(200).fill('*a').join(', ')}]\n`;
    await write('bomb.yaml', text);
    const expanded = Buffer.byteLength(text) + 200 * 10_002;
    const result = await verdict();
    expect(result.services).toEqual(['web:80']);
    expect(result.issues).toEqual([
      `error: bomb.yaml[doc 0]: with its aliases expanded, the document is ${expanded} bytes (1.9 MiB), more than the limit of 1048576 bytes (1 MiB) (--max-document-bytes); nothing of the file is served`,
    ]);
  });

  it('a mapping of 100,000 keys is parsed in linear time and refused with its count', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `  k${i}: v`).join('\n');
    await write('wide.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: wide }\ndata:\n${keys}\n`);
    await write('ok.yaml', service('web'));
    // Under the document limit, so that the key limit is the one that speaks.
    const result = await verdict({ limits: { ...DEFAULT_LIMITS, maxDocumentBytes: 4 * 1024 * 1024 } });
    expect(result.services).toEqual(['web:80']);
    expect(result.issues).toEqual([
      'error: wide.yaml[doc 0]: data: is a mapping of 100000 keys, more than the limit of 10000 (--max-keys-per-mapping); nothing of the file is served',
    ]);
  });

  it('invalid UTF-8 is an error naming the file and the byte offset', async () => {
    await write('ok.yaml', service('web'));
    const good = Buffer.from(service('api').replace('api', 'äpi-x'), 'utf8');
    await write('latin1.yaml', Buffer.concat([good, Buffer.from('# caf\xe9\n', 'latin1')]));
    const result = await verdict();
    expect(result.services).toEqual(['web:80']);
    expect(result.issues).toEqual([
      `error: latin1.yaml: is not valid UTF-8: the byte at offset ${good.length + 5} (line 5) starts no valid UTF-8 sequence; nothing of the file is served`,
    ]);
  });
});

describe('the manifest directory is a boundary', () => {
  it('a pair of directory links that form a cycle is read once, and reported', async () => {
    await write('one/a.yaml', service('web'));
    await write('two/b.yaml', service('api'));
    await symlink(path.join('..', 'two'), path.join(dir, 'one', 'loop'));
    await symlink(path.join('..', 'one'), path.join(dir, 'two', 'loop'));
    const result = await verdict();
    expect(result.services).toEqual(['api:80', 'web:80']);
    expect(result.issues).toEqual([
      'warning: one/loop: leads to two, which is read already: not read twice',
      'warning: two/loop: leads to one, which is read already: not read twice',
    ]);
    expect(result.exitCode).toBe(0);
  });

  it('a longer cycle of links (a -> b -> c -> a) and a link to an ancestor are not followed', async () => {
    await write('real/x.yaml', service('web'));
    await mkdir(path.join(dir, 'links'));
    // links/a -> links/b -> links/c -> links/a: none resolves.
    await symlink('b', path.join(dir, 'links', 'a'));
    await symlink('c', path.join(dir, 'links', 'b'));
    await symlink('a', path.join(dir, 'links', 'c'));
    // Directories through links: real/up -> .. (the root), real/next -> ../d1, d1/next -> ../d2, d2/next -> ../real
    await symlink('..', path.join(dir, 'real', 'up'));
    await mkdir(path.join(dir, 'hops'));
    await symlink(path.join('..', 'd2'), path.join(dir, 'hops', 'next'));
    await write('d2/y.yaml', service('api'));
    await symlink(path.join('..', 'hops'), path.join(dir, 'd2', 'next'));
    const result = await verdict();
    expect(result.services).toEqual(['api:80', 'web:80']);
    expect(result.issues).toEqual([
      'warning: d2/next: leads to hops, which is read already: not read twice',
      'warning: hops/next: leads to d2, which is read already: not read twice',
      'warning: links/a: is a symbolic link that leads back to itself (ELOOP): not followed',
      'warning: links/b: is a symbolic link that leads back to itself (ELOOP): not followed',
      'warning: links/c: is a symbolic link that leads back to itself (ELOOP): not followed',
      'warning: real/up: leads to the manifest directory, which contains it: a cycle, not followed',
    ]);
  });

  it('the watcher does not follow a cycle either, and an edit inside it is seen once', async () => {
    await write('one/a.yaml', service('web'));
    await write('two/b.yaml', service('api'));
    await symlink(path.join('..', 'two'), path.join(dir, 'one', 'loop'));
    await symlink(path.join('..', 'one'), path.join(dir, 'two', 'loop'));
    await symlink('..', path.join(dir, 'one', 'up'));
    await start();
    await write('two/b.yaml', service('api', 81));
    const state = await waitForState('the edit', (s) => names(s).includes('api:81'));
    expect(names(state)).toEqual(['api:81', 'web:80']);
    expect(state.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a link out of the directory is not followed, nor its content shown, unless told to', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'trellis-hostile-outside-'));
    cleanup.push(outside);
    await writeFile(path.join(outside, 'secret.yaml'), 'password: hunter2-SECRET\n\tnot: yaml\n');
    await mkdir(path.join(outside, 'team'));
    await writeFile(path.join(outside, 'team', 'svc.yaml'), service('external'));
    await symlink(path.join(outside, 'secret.yaml'), path.join(dir, 'secret.yaml'));
    await symlink(path.join(outside, 'team'), path.join(dir, 'team'));
    await write('ok.yaml', service('web'));

    const skipped = await verdict();
    expect(skipped.services).toEqual(['web:80']);
    expect(skipped.issues).toEqual([
      'warning: secret.yaml: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
      'warning: team: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
    ]);
    expect(skipped.output).not.toContain('SECRET');

    await writeFile(path.join(outside, 'secret.yaml'), service('secret'));
    const followed = await verdict({ followExternalLinks: true });
    expect(followed.services).toEqual(['external:80', 'secret:80', 'web:80']);
    expect(followed.issues).toEqual([]);
  });

  it('a link out of the directory added while watching is reported, not followed', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'trellis-hostile-outside-'));
    cleanup.push(outside);
    await writeFile(path.join(outside, 'svc.yaml'), service('external'));
    await write('ok.yaml', service('web'));
    await start();
    await symlink(outside, path.join(dir, 'team'));
    await symlink(path.join(outside, 'svc.yaml'), path.join(dir, 'svc.yaml'));
    const state = await waitForState('the links reported', (s) => s.issues.length === 2);
    expect(names(state)).toEqual(['web:80']);
    expect(state.issues.map(formatIssue)).toEqual([
      'svc.yaml: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
      'team: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
    ]);
  });
});

describe('last good version per file', () => {
  it('a tab typo keeps the last good version served, and says so; deleting the file removes it', async () => {
    await write('a.yaml', `${service('web')}---\n${service('api')}`);
    await write('b.yaml', service('cart'));
    const initial = await start();
    expect(names(initial)).toEqual(['api:80', 'cart:80', 'web:80']);

    await write(
      'a.yaml',
      `${service('web', 81)}---\napiVersion: v1\nkind: Service\nmetadata:\n\tname: api\n`,
    );
    const broken = await waitForState('the typo', (s) => s.issues.length > 0);
    expect(names(broken)).toEqual(['api:80', 'cart:80', 'web:80']);
    expect(broken.issues.map(formatIssue)).toEqual([
      'a.yaml[doc 1]: serving the last good version of a.yaml from 2030-01-02T03:04:05.000Z because: invalid YAML at line 9, column 1: Tabs are not allowed as indentation',
    ]);

    // validate has no earlier version: it reports the error, and nothing of the file.
    const validated = await readManifestDir(dir);
    expect(validated.mesh.services.map((s) => s.name)).toEqual(['cart']);
    expect(validated.issues.map(formatIssue)).toEqual([
      'a.yaml[doc 1]: invalid YAML at line 9, column 1: Tabs are not allowed as indentation; nothing of the file is served',
    ]);

    // A fix is served as usual; a second failure then falls back to the fixed version.
    await write('a.yaml', service('web', 82));
    await waitForState('the fix', (s) => names(s).join() === 'cart:80,web:82' && s.issues.length === 0);
    await write('a.yaml', 'kind: [\n');
    const again = await waitForState('the second typo', (s) => s.issues.length > 0);
    expect(names(again)).toEqual(['cart:80', 'web:82']);

    await unlink(path.join(dir, 'a.yaml'));
    const gone = await waitForState('the file gone', (s) => s.issues.length === 0);
    expect(names(gone)).toEqual(['cart:80']);
  });

  it('a limit broken by an edit also keeps the last good version', async () => {
    await write('a.yaml', service('web'));
    await start({ limits: { ...DEFAULT_LIMITS, maxDocumentsPerFile: 2 } });
    await write('a.yaml', `${service('web', 81)}---\n${service('api')}---\n${service('cart')}`);
    const state = await waitForState('the limit', (s) => s.issues.length > 0);
    expect(names(state)).toEqual(['web:80']);
    expect(state.issues.map(formatIssue)).toEqual([
      'a.yaml: serving the last good version of a.yaml from 2030-01-02T03:04:05.000Z because: holds 3 documents, more than the limit of 2 (--max-documents-per-file)',
    ]);
  });

  it('a file whose lowering throws is isolated; the other changes of the same burst are applied', async () => {
    const throwing = (docs: readonly ManifestDocument[], opts: ParseManifestsOptions) => {
      if (docs.some((d) => JSON.stringify(d.value).includes('test/throw'))) throw new Error('boom');
      return parseManifests(docs, opts);
    };
    await write('a.yaml', service('web'));
    await write('b.yaml', service('api'));
    await start({ parse: throwing });
    // One burst: a good edit, and an edit that makes the lowering throw.
    await Promise.all([
      write('a.yaml', service('web', 81)),
      write('b.yaml', service('api', 81, ', annotations: { test/throw: "yes" }')),
    ]);
    const state = await waitForState('the good edit', (s) => names(s).includes('web:81'));
    expect(names(state)).toEqual(['api:80', 'web:81']);
    expect(state.issues.map(formatIssue)).toEqual([
      'b.yaml: serving the last good version of b.yaml from 2030-01-02T03:04:05.000Z because: processing the file failed: Error: boom',
    ]);

    // A throwing file with no good version serves nothing, and validate reports it the same way.
    await write('c.yaml', service('cart', 80, ', annotations: { test/throw: "yes" }'));
    const next = await waitForState('the new file', (s) => s.issues.length === 2);
    expect(names(next)).toEqual(['api:80', 'web:81']);
    expect(next.issues.map(formatIssue)[1]).toBe(
      'c.yaml: processing the file failed: Error: boom; nothing of the file is served',
    );
    const validated = await readManifestDir(dir, { parse: throwing });
    expect(validated.mesh.services.map((s) => s.name)).toEqual(['web']);
    expect(validated.issues.map(formatIssue)).toEqual([
      'b.yaml: processing the file failed: Error: boom; nothing of the file is served',
      'c.yaml: processing the file failed: Error: boom; nothing of the file is served',
    ]);
  });
});

describe('a file left out for throwing together with another', () => {
  it('is tried again when the other changes, and served once the two no longer throw', async () => {
    // The lowering throws only when both marks are in the mesh: neither file is wrong alone.
    const throwing: typeof parseManifests = (docs, opts) => {
      const text = JSON.stringify(docs.map((d) => d.value));
      if (text.includes('test/left') && text.includes('test/right')) throw new Error('boom');
      return parseManifests(docs, opts);
    };
    await write('a.yaml', service('web', 80, ', annotations: { test/left: "yes" }'));
    await write('b.yaml', service('api'));
    await start({ parse: throwing });
    await write('b.yaml', service('api', 81, ', annotations: { test/right: "yes" }'));
    const together = await waitForState('b.yaml left out', (s) => s.issues.length === 1);
    expect(names(together)).toEqual(['api:80', 'web:80']);
    expect(together.issues.map(formatIssue)[0]).toMatch(/^b\.yaml: serving the last good version/);
    // a.yaml changes and drops its mark: b.yaml's new version no longer throws, and is served.
    await write('a.yaml', service('web', 81));
    const apart = await waitForState('b.yaml tried again', (s) => s.issues.length === 0);
    expect(names(apart)).toEqual(['api:81', 'web:81']);
  });
});

describe('duplicates are settled by age', () => {
  it('a newcomer that duplicates a served resource is rejected, naming its own file and the live one', async () => {
    await write('b.yaml', service('web', 80));
    await start();
    // a.yaml comes first in path order, but b.yaml was there first.
    await write('a.yaml', service('web', 81));
    const state = await waitForState('the duplicate', (s) => s.issues.length > 0);
    expect(names(state)).toEqual(['web:80']);
    expect(state.issues.map(formatIssue)).toEqual([
      'a.yaml[doc 0]: Service shop/web: metadata.name: duplicates the Service served from b.yaml[doc 0], which was there first; this newer definition is not served',
    ]);
    // When the live one goes, the newcomer takes over.
    await unlink(path.join(dir, 'b.yaml'));
    await waitForState('the newcomer served', (s) => names(s).join() === 'web:81' && s.issues.length === 0);
  });

  it('at startup, of definitions present together, the first in path order is served', async () => {
    await write('b.yaml', service('web', 80));
    await write('a.yaml', service('web', 81));
    const result = await verdict();
    expect(result.services).toEqual(['web:81']);
    expect(result.issues).toEqual([
      'error: b.yaml[doc 0]: Service shop/web: metadata.name: duplicates the Service defined at a.yaml[doc 0]; that first definition is used',
    ]);
  });
});
