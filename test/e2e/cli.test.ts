// The CLI as a user runs it: the built `trellis` binary, real files, exit codes and output.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient } from '../helpers/ads-test-client.js';
import { openssl, selfSigned } from '../helpers/openssl.js';
import { CLI, startTrellis } from './helpers/trellis-process.js';

const run = promisify(execFile);
const examples = path.resolve(path.dirname(CLI), '../../../examples');

async function trellis(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('trellis validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-validate-'));
    await fs.mkdir(path.join(dir, 'nested'));
    await fs.writeFile(
      path.join(dir, 'nested/bad.yaml'),
      `apiVersion: v1
kind: Service
metadata: { name: ok, namespace: default }
spec: { clusterIP: 10.96.0.1, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: bad, namespace: shop }
spec: { ports: [{ name: http, port: 70000 }] }
`,
    );
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('accepts the example mesh with exit 0 and a one-line summary', async () => {
    const result = await trellis('validate', examples);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/valid: 2 namespaces, 4 services, 5 endpoint slices, 3 pods/);
  });

  it('prints every error with file, document, resource and field, and exits 1', async () => {
    const result = await trellis('validate', dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('nested/bad.yaml[doc 1]: Service shop/bad: spec.ports[0].port:');
    expect(result.stdout).toMatch(/1 error\(s\)/);
  });

  it('fails with a usage message when the directory does not exist', async () => {
    const result = await trellis('validate', path.join(dir, 'missing'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing');
  });
});

describe('trellis config-dump', () => {
  it('prints the sidecar configuration of a proxy in the example mesh', async () => {
    const result = await trellis(
      'config-dump',
      '--manifests',
      examples,
      '--node',
      'sidecar~127.0.0.1~frontend-0.shop~shop.svc.cluster.local',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const dump = parse(result.stdout) as Record<
      string,
      { '@type': string; name?: string; cluster_name?: string }[]
    >;
    expect(dump.listeners?.map((l) => l.name)).toEqual(['virtualInbound', 'virtualOutbound']);
    expect(dump.clusters?.map((c) => c.name)).toContain('outbound|9090||catalog.shop.svc.cluster.local');
    expect(dump.endpoints?.map((c) => c.cluster_name)).toContain(
      'outbound|7070||checkout.payments.svc.cluster.local',
    );
    expect(dump.routes?.map((r) => r.name)).toEqual(expect.arrayContaining(['8080', '9090', '7070']));
    expect(dump.clusters?.every((c) => c['@type'] === TYPE_URL.cluster)).toBe(true);
  });

  it('prints API listeners for a proxyless client', async () => {
    const result = await trellis('config-dump', '--manifests', examples, '--node', 'client-1', '--proxyless');
    expect(result.code).toBe(0);
    const dump = parse(result.stdout) as Record<string, { name?: string }[]>;
    expect(dump.listeners?.map((l) => l.name)).toContain('catalog.shop.svc.cluster.local:9090');
  });

  it('prints what a given gRPC release is sent: C-core 1.51 gets the header matchers it reads', async () => {
    const node = 'proxyless~127.0.0.1~py-0.shop~shop.svc.cluster.local';
    const routesFor = async (...client: string[]) => {
      const result = await trellis('config-dump', '--manifests', examples, '--node', node, ...client);
      expect(result.code).toBe(0);
      return JSON.stringify((parse(result.stdout) as { routes?: unknown[] }).routes);
    };
    // The example canary routes on the header x-canary (examples/shop/catalog-routing.yaml).
    const old = await routesFor(
      '--user-agent',
      'gRPC C-core linux Python',
      '--user-agent-version',
      'C-core 29.0.0 Python 1.51.1',
    );
    expect(old).toContain('"exact_match":"yes"');
    expect(old).not.toContain('string_match');
    expect(await routesFor('--user-agent', 'gRPC Go', '--user-agent-version', '1.60.0')).toContain(
      '"string_match"',
    );
  });

  it('reads the directory with the limits serve would use, and names a bad one', async () => {
    const tight = await trellis(
      'config-dump',
      '--manifests',
      examples,
      '--node',
      'client-1',
      '--max-depth',
      '2',
    );
    // Every example file nests deeper than 2: none is read, as serve would read none.
    expect(tight.stderr).toMatch(/^\d+ manifest error\(s\): run `trellis validate/m);
    expect(tight.stdout).not.toContain('catalog.shop.svc.cluster.local');
    const bad = await trellis(
      'config-dump',
      '--manifests',
      examples,
      '--node',
      'client-1',
      '--max-depth',
      'deep',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-depth');
  });
});

describe('trellis serve on the example mesh', () => {
  it('serves the example mesh to an ADS client', async () => {
    const server = await startTrellis(examples);
    const ads = new AdsTestClient(server.xdsPort);
    try {
      const node = {
        id: 'proxyless~127.0.0.1~demo.shop~shop.svc.cluster.local',
        user_agent_name: 'grpc-node-js',
      };
      ads.send({
        node,
        type_url: TYPE_URL.listener,
        resource_names: ['catalog.shop.svc.cluster.local:9090'],
      });
      const lds = await ads.next();
      expect(lds.resources).toHaveLength(1);
      const ready = await fetch(`http://127.0.0.1:${server.adminPort}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      ads.close();
      await server.stop();
    }
  });
});

describe('trellis serve on files', () => {
  // A resolve hook that logs each package the server resolves (a JSON line, as the server logs).
  const RESOLVE_HOOK = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@')) process.stderr.write(JSON.stringify({ msg: 'package resolved', specifier }) + '\\n');
  return next(specifier, context);
}`;

  it('does not load the Kubernetes client library, which only a cluster needs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-hook-'));
    const hook = path.join(dir, 'hook.mjs');
    await fs.writeFile(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}));\n`,
    );
    const server = await startTrellis(examples, [], {
      NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`,
      KUBERNETES_SERVICE_HOST: '',
    });
    try {
      const ready = await fetch(`http://127.0.0.1:${server.adminPort}/readyz`);
      expect(ready.status).toBe(200);
      const resolved = server
        .logs()
        .filter((l) => l.msg === 'package resolved')
        .map((l) => String(l.specifier));
      // The hook ran: the server's own packages are there.
      expect(resolved.some((s) => s.startsWith('@grpc/grpc-js'))).toBe(true);
      expect(resolved.filter((s) => s.startsWith('@kubernetes/'))).toEqual([]);
    } finally {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('trellis address flags', () => {
  it.each([
    ['serve', '--xds-address', ':abc'],
    ['serve', '--xds-address', '127.0.0.1'],
    ['serve', '--admin-address', 'localhost:99999'],
    ['serve', '--admin-address', '::1:15014'],
    ['serve', '--admin-address', 'not an address:1'],
    ['proxy-status', '--admin-address', 'localhost'],
    ['proxy-status', '--admin-address', 'ftp://localhost:15014'],
  ])('%s %s %j is a usage error (exit 2) naming the flag and the value', async (command, flag, value) => {
    const args =
      command === 'serve' ? ['serve', '--manifests', examples, flag, value] : [command, flag, value];
    const result = await trellis(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`trellis: ${flag}: ${JSON.stringify(value)}`);
    expect(result.stderr).toContain('usage:');
  });

  it('binds :0 on loopback for both ports, and answers a malformed request with 400', async () => {
    const server = await startTrellis(examples, ['--xds-address', ':0', '--admin-address', ':0']);
    try {
      const listening = (msg: string) => server.logs().find((l) => l.msg === msg);
      expect(listening('admin server listening')).toMatchObject({
        port: server.adminPort,
        address: `127.0.0.1:${server.adminPort}`,
      });
      expect(listening('xDS server listening')).toMatchObject({
        port: server.xdsPort,
        address: `127.0.0.1:${server.xdsPort}`,
      });
      const reply = await new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
        let text = '';
        const socket = net.connect(server.adminPort, '127.0.0.1', () =>
          socket.write('GET //[ HTTP/1.1\r\nHost: x\r\n\r\n'),
        );
        const timer = setTimeout(() => {
          socket.destroy();
          resolve({ text, closed: false });
        }, 10_000);
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          text += chunk;
        });
        socket.on('error', reject);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve({ text, closed: true });
        });
      });
      expect(reply.text).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply.closed).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.adminPort}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('trellis serve and its CA', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-ca-flags-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const serve = (...flags: string[]) =>
    trellis(
      'serve',
      '--manifests',
      examples,
      '--xds-address',
      '127.0.0.1:0',
      '--admin-address',
      '127.0.0.1:0',
      '--xds-tls-address',
      '127.0.0.1:0',
      ...flags,
    );

  it('refuses to start on a cacerts directory whose key is not its certificate’s, naming the file', async () => {
    const cacerts = path.join(dir, 'cacerts');
    await fs.mkdir(cacerts);
    // A root made by openssl, then a key that is not its own where its key should be.
    const root = await selfSigned(cacerts, 'root', {
      subject: '/O=test root',
      days: 30,
      extensions: ['basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign'],
    });
    for (const name of ['ca-cert.pem', 'root-cert.pem', 'cert-chain.pem'])
      await fs.copyFile(root.certFile, path.join(cacerts, name));
    await openssl(
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca-key.pem'],
      cacerts,
    );
    const result = await serve('--ca-dir', cacerts);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`trellis: the CA cannot start: ${path.join(cacerts, 'ca-key.pem')}`);
    expect(result.stderr).toContain('does not match the certificate');
  });

  it('refuses a damaged CA state file, naming it', async () => {
    const state = path.join(dir, 'state');
    await fs.mkdir(state);
    await fs.writeFile(path.join(state, 'ca.json'), '{"version": 1, "rootCertsPem": 7}');
    const result = await serve('--state-dir', state);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${path.join(state, 'ca.json')}: rootCertsPem and rootKeyPem must both be strings`,
    );
  });

  it.each([
    ['--workload-cert-ttl', '1m', 'between 10m and 2160h'],
    ['--workload-key-type', 'dsa', 'ecdsa (P-256) or rsa (2048)'],
    ['--trust-domain', 'Not A Domain', 'not a valid SPIFFE trust domain'],
    ['--xds-tls-address', 'nowhere', '--xds-tls-address'],
  ])('%s %s is a usage error naming the flag', async (flag, value, reason) => {
    const result = await serve(flag, value);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(reason);
  });
});

describe('trellis inject', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-inject-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints a Deployment with its pod template injected, and says what it left alone', async () => {
    const file = path.join(dir, 'app.yaml');
    await fs.writeFile(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: web:1 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: out, annotations: { trellis.dev/inject: "false" } }
spec: { containers: [{ name: app, image: app:1 }] }
`,
    );
    const result = await trellis('inject', '-f', file, '--native-sidecars', 'false');
    expect(result.code).toBe(0);
    const [deployment, pod] = parse(
      `[${result.stdout
        .split('---\n')
        .map((d) => JSON.stringify(parse(d)))
        .join(',')}]`,
    ) as {
      spec: { template?: { spec: { containers: { name: string }[]; initContainers: { name: string }[] } } };
    }[];
    expect(deployment!.spec.template!.spec.containers.map((c) => c.name)).toEqual(['trellis-proxy', 'web']);
    expect(deployment!.spec.template!.spec.initContainers.map((c) => c.name)).toEqual([
      'trellis-init',
      'trellis-credential',
    ]);
    expect(pod).toMatchObject({ kind: 'Pod', metadata: { name: 'out' } });
    expect(result.stderr).toContain(
      'Pod out (document 1): not injected: annotation trellis.dev/inject: "false"',
    );
  });

  it('needs -f', async () => {
    const result = await trellis('inject');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('inject needs -f FILE');
  });
});

describe('trellis serve sources', () => {
  it.each([[[]], [['--manifests', examples, '--kube']]])(
    'takes exactly one of --manifests and --kube (%j)',
    async (args) => {
      const result = await trellis('serve', ...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('serve: exactly one of --manifests DIR and --kube');
    },
  );
});
