import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIssue } from '../../model/issue.js';
import { readManifestDir } from './read-dir.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trellis-read-dir-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
}

const service = (name: string, namespace = 'default', port: string | number = 80) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  clusterIP: None
  ports:
    - port: ${port}
`;

const valid = service('ok');

function captureLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('readManifestDir: one test per error class', () => {
  it('bad YAML: names the line, and nothing of the file is served', async () => {
    await write(
      'apps/shop.yaml',
      `${valid}---\napiVersion: v1\nkind: Service\nmetadata: { name: [web }\n---\n${service('cart')}`,
    );
    await write('other.yaml', service('web'));
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['web']);
    expect(state.issues.map(formatIssue)).toEqual([
      'apps/shop.yaml[doc 1]: invalid YAML at line 13, column 24: Flow sequence in block collection must be sufficiently indented and end with a ]; nothing of the file is served',
    ]);
  });

  it('missing field', async () => {
    await write(
      'svc.yaml',
      `${valid}---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec:\n  ports: [{ name: http }]\n`,
    );
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(state.issues.map(formatIssue)).toEqual([
      'svc.yaml[doc 1]: Service shop/web: spec.ports[0].port: is required',
    ]);
  });

  it('wrong type', async () => {
    await write('svc.yaml', `${valid}---\n${service('web', 'shop', '"abc"')}`);
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(state.issues.map(formatIssue)).toEqual([
      'svc.yaml[doc 1]: Service shop/web: spec.ports[0].port: must be an integer 1..65535, got "abc"',
    ]);
  });

  it('out-of-range value', async () => {
    await write('svc.yaml', `${valid}---\n${service('web', 'shop', 70000)}`);
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(state.issues.map(formatIssue)).toEqual([
      'svc.yaml[doc 1]: Service shop/web: spec.ports[0].port: must be an integer 1..65535, got 70000',
    ]);
  });

  it('unknown kind: ignored with one info line per kind, not an issue', async () => {
    await write(
      'mixed.yaml',
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\n---\n${valid}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: b }\n`,
    );
    const { logger, lines } = captureLogger();
    const state = await readManifestDir(dir, { logger });
    expect(state.issues).toEqual([]);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'ignoring 2 apps/v1 Deployment document(s): trellis does not read this kind'],
    ]);
  });

  it('wrong apiVersion: says which version is read', async () => {
    await write(
      'eps.yaml',
      `${valid}---\napiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: { name: web-x1, namespace: shop }\naddressType: IPv4\n`,
    );
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(state.issues.map(formatIssue)).toEqual([
      'eps.yaml[doc 1]: EndpointSlice shop/web-x1: apiVersion: EndpointSlice is read only as apiVersion "discovery.k8s.io/v1", got "discovery.k8s.io/v1beta1"',
    ]);
  });

  it('duplicate resource: the first in file order is served, the later one reported', async () => {
    await write('b.yaml', service('web', 'shop', 81));
    await write('a.yaml', `${valid}---\n${service('web', 'shop', 80)}`);
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => [s.name, s.ports[0]?.port])).toEqual([
      ['ok', 80],
      ['web', 80],
    ]);
    expect(state.issues.map(formatIssue)).toEqual([
      'b.yaml[doc 0]: Service shop/web: metadata.name: duplicates the Service defined at a.yaml[doc 1]; that first definition is used',
    ]);
  });

  it('unreadable file: a dangling symlink is an issue, the rest is served', async () => {
    await write('ok.yaml', valid);
    await symlink(path.join(dir, 'missing.yaml'), path.join(dir, 'gone.yaml'));
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['ok']);
    expect(state.issues.map(formatIssue)).toEqual([
      'gone.yaml: cannot read: no such file or directory (ENOENT); nothing of the file is served',
    ]);
  });
});

describe('readManifestDir', () => {
  it('reads .yaml, .yml and .json recursively, skipping dotfiles, node_modules and other files', async () => {
    await write('a.yaml', service('a'));
    await write('sub/deeper/b.yml', service('b'));
    await write('c.json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
    await write('.hidden.yaml', service('hidden'));
    await write('.git/d.yaml', service('git'));
    await write('node_modules/e.yaml', service('npm'));
    await write('notes.txt', service('txt'));
    await write('README.md', 'not yaml: [');
    const state = await readManifestDir(dir);
    expect(state.issues).toEqual([]);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['a', 'b']);
    expect(state.mesh.namespaces.map((n) => n.name)).toEqual(['c']);
  });

  it('accepts a directory relative to the working directory', async () => {
    await write('sub/a.yaml', service('a'));
    const state = await readManifestDir(path.relative(process.cwd(), dir));
    expect(state.mesh.services.map((s) => s.name)).toEqual(['a']);
  });

  it('follows symlinked files and directories inside it, as a ConfigMap volume is made of them', async () => {
    // A ConfigMap volume: a.yaml -> ..data/a.yaml, ..data -> ..2024_01_01, all inside the directory.
    await write('..2024_01_01/a.yaml', service('configmap-file'));
    await write('..2024_01_01/team/b.yaml', service('configmap-dir'));
    await symlink('..2024_01_01', path.join(dir, '..data'));
    await symlink(path.join('..data', 'a.yaml'), path.join(dir, 'a.yaml'));
    await symlink(path.join('..data', 'team'), path.join(dir, 'team'));
    // A loop back to the root is not followed, and said so.
    await symlink(dir, path.join(dir, 'loop'));
    const state = await readManifestDir(dir);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['configmap-dir', 'configmap-file']);
    expect(state.issues.map(formatIssue)).toEqual([
      'loop: leads to the manifest directory, which contains it: a cycle, not followed',
    ]);
  });

  it('follows links out of the directory only with followExternalLinks', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'trellis-read-dir-target-'));
    try {
      await writeFile(path.join(elsewhere, 'x.yaml'), service('linked-file'));
      await mkdir(path.join(elsewhere, 'sub'));
      await writeFile(path.join(elsewhere, 'sub', 'y.yaml'), service('linked-dir'));
      await symlink(path.join(elsewhere, 'x.yaml'), path.join(dir, 'x.yaml'));
      await symlink(path.join(elsewhere, 'sub'), path.join(dir, 'sub'));
      await write('z.yaml', service('inside'));
      const skipped = await readManifestDir(dir);
      expect(skipped.mesh.services.map((s) => s.name)).toEqual(['inside']);
      expect(skipped.issues.map((i) => `${i.severity}: ${formatIssue(i)}`)).toEqual([
        'warning: sub: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
        'warning: x.yaml: is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
      ]);
      const followed = await readManifestDir(dir, { followExternalLinks: true });
      expect(followed.mesh.services.map((s) => s.name)).toEqual(['inside', 'linked-dir', 'linked-file']);
      expect(followed.issues).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('reads kind: List and JSON files, addressing the errors of List items by items[N]', async () => {
    await write(
      'list.yaml',
      `apiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })}\n  - ${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 0 }] } })}\n`,
    );
    await write(
      'list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { clusterIP: 'None' } },
        ],
      }),
    );
    const state = await readManifestDir(dir);
    expect(state.mesh.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['api']);
    expect(state.issues.map(formatIssue)).toEqual([
      'list.yaml[doc 0]: Service shop/web: items[1].spec.ports[0].port: must be an integer 1..65535, got 0',
    ]);
  });

  it('rejects a directory that does not exist: a usage error, not an issue', async () => {
    await expect(readManifestDir(path.join(dir, 'nope'))).rejects.toThrow(
      `manifest directory ${path.join(dir, 'nope')} cannot be read: no such file or directory (ENOENT)`,
    );
    await write('file.yaml', valid);
    await expect(readManifestDir(path.join(dir, 'file.yaml'))).rejects.toThrow('is not a directory');
  });

  it('serves the 500 valid documents of a directory that also holds 50 invalid ones', async () => {
    // Problems inside documents: each rejects its document alone (a syntax error would fail its file).
    const invalid = [
      'apiVersion: v1\nkind: Service\nmetadata: { name: [oops] }\nspec: { clusterIP: None }\n',
      'apiVersion: v1\nkind: Service\nmetadata: { namespace: x }\nspec: { clusterIP: None }\n',
      service('bad-type', 'bad', '"http"'),
      service('bad-range', 'bad', 0),
      'apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: { name: old }\naddressType: IPv4\n',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: bad }\nspec: { containers: [] }\n',
      // A duplicate of the first valid service, which is in an earlier file.
      service('svc-0', 'ns-0', 8080),
    ];
    let k = 0;
    const validDoc = (): string => {
      const i = k++;
      const ns = `ns-${i % 10}`;
      switch (i % 4) {
        case 0:
          return `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: ${ns} }\nspec:\n  clusterIP: 10.0.${i % 250}.${i % 200}\n  selector: { app: a${i} }\n  ports: [{ name: http, port: 80, targetPort: http }]\n`;
        case 1:
          return `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-${i}-abc\n  namespace: ${ns}\n  labels: { kubernetes.io/service-name: svc-${i - 1} }\naddressType: IPv4\nports: [{ name: http, port: 8080 }]\nendpoints: [{ addresses: [10.1.${i % 250}.${i % 200}], conditions: { ready: true }, zone: z1 }]\n`;
        case 2:
          return `apiVersion: v1\nkind: Pod\nmetadata: { name: pod-${i}, namespace: ${ns}, labels: { app: a${i} } }\nspec: { containers: [{ name: app, ports: [{ name: http, containerPort: 8080 }] }] }\nstatus: { podIP: 10.1.${i % 250}.${i % 200} }\n`;
        default:
          return `apiVersion: v1\nkind: Namespace\nmetadata: { name: ns-x${i} }\n`;
      }
    };
    // 50 files each mixing 9 valid documents, 1 invalid one and an unknown kind; then 5 valid-only files.
    for (let f = 0; f < 50; f++) {
      const docs = Array.from({ length: 9 }, validDoc);
      docs.splice(f % 10, 0, invalid[f % invalid.length]!);
      docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\n');
      await write(`mixed/m${String(f).padStart(2, '0')}.yaml`, docs.join('---\n'));
    }
    for (let f = 0; f < 4; f++)
      await write(`valid/v${f}.yml`, Array.from({ length: 10 }, validDoc).join('---\n'));
    await write(
      'valid/list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: Array.from({ length: 10 }, () => ({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: `ns-j${k++}` },
        })),
      }),
    );
    const state = await readManifestDir(dir);
    const { namespaces, services, endpointSlices, workloads } = state.mesh;
    expect(namespaces.length + services.length + endpointSlices.length + workloads.length).toBe(500);
    expect(state.issues).toHaveLength(50);
    expect(state.issues.every((i) => i.severity === 'error' && i.origin.startsWith('mixed/'))).toBe(true);
    // One issue per mixed file, each naming its file and document.
    expect(new Set(state.issues.map((i) => i.origin)).size).toBe(50);
    expect(state.issues[0]?.documentIndex).toBe(0);
  });
});
