// The injection as the API server sees it: the JSONPatch applied with a real RFC 6902 library to
// the pod it was computed for, and the resulting pod checked.
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { Bootstrap } from '../generated/envoy/config/bootstrap/v3/Bootstrap.js';
import { encodeBootstrap } from './bootstrap.js';
import { INJECTED_ANNOTATION } from './inject-decision.js';
import { injectionParts } from './injection-parts.js';
import {
  type InjectionParts,
  type InjectorConfig,
  injectPod,
  type JsonPatchOperation,
  TLS_MODE_LABEL,
} from './pod-patch.js';
import { type JsonObject, readPod } from './pod-view.js';
import { ORIGINAL_PROBES_ANNOTATION, PROBE_PORT } from './probe-rewrite.js';
import { DEFAULT_PROXY_RESOURCES } from './proxy-resources.js';

const config: InjectorConfig = {
  proxyImage: 'envoyproxy/envoy:v1.31.0',
  initImage: 'trellis/proxy-init:0.1.0',
  trellisImage: 'trellis/trellis:0.1.0',
  resources: DEFAULT_PROXY_RESOURCES,
  nativeSidecars: true,
  version: '0.1.0',
};

// The real parts: the bootstrap, the credential step and the iptables rules.
const parts: InjectionParts = injectionParts({
  controlPlane: { namespace: 'trellis-system' },
  trellisVersion: '0.1.0',
});

const enabled = { 'trellis.dev/inject': 'enabled' };

function pod(spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'shop', ...metadata },
    spec: {
      containers: [{ name: 'app', image: 'app:1', ports: [{ name: 'http', containerPort: 8080 }] }],
      ...spec,
    },
  };
}

/** Injects, applies the patch, and returns the patched pod (or the reason nothing was done). */
/** `labels` null: a namespace the source does not know. */
function injected(p: JsonObject, labels: Record<string, string> | null = enabled, c = config) {
  const view = readPod(p, 'shop');
  if (!view.ok) throw new Error(view.errors.join('; '));
  const outcome = injectPod(view.value, labels ?? undefined, c, parts);
  if (!outcome.ok) throw new Error(outcome.errors.join('; '));
  if (!outcome.value.injected) return { reason: outcome.value.reason } as const;
  const patched = jsonpatch.applyPatch(
    structuredClone(p),
    outcome.value.patch as jsonpatch.Operation[],
    true,
    false,
  ).newDocument as JsonObject & {
    spec: Record<string, JsonObject[]>;
    metadata: Record<string, Record<string, string>>;
  };
  return { patched, patch: outcome.value.patch, warnings: outcome.value.warnings } as const;
}

const names = (list: readonly JsonObject[] | undefined) => (list ?? []).map((c) => c.name);

describe('injectPod', () => {
  it('adds the init container and a native sidecar ahead of the app, its volumes, and marks the pod', () => {
    const { patched } = injected(pod());
    if (!patched) throw new Error('not injected');
    expect(names(patched.spec.initContainers)).toEqual([
      'trellis-init',
      'trellis-credential',
      'trellis-proxy',
    ]);
    expect(names(patched.spec.containers)).toEqual(['app']);
    const proxy = patched.spec.initContainers![2]!;
    expect(proxy).toMatchObject({
      restartPolicy: 'Always',
      image: 'envoyproxy/envoy:v1.31.0',
      securityContext: {
        runAsUser: 1337,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
    });
    expect(patched.spec.initContainers![0]).toMatchObject({
      securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
      env: [
        { name: 'TRELLIS_IPTABLES_RULES', value: expect.stringContaining('-j REDIRECT --to-ports 15006') },
      ],
    });
    // The credential step keeps Envoy's certificate fresh, and Envoy waits for the first one.
    expect(patched.spec.initContainers![1]).toMatchObject({
      image: 'trellis/trellis:0.1.0',
      restartPolicy: 'Always',
      args: expect.arrayContaining(['credential']),
      startupProbe: { exec: { command: ['test', '-s', '/etc/trellis/credentials/xds-client.json'] } },
    });
    expect(proxy.args).toEqual(expect.arrayContaining(['--config-yaml']));
    expect(names(patched.spec.volumes)).toEqual(['trellis-token', 'trellis-ca-root', 'trellis-credentials']);
    expect(JSON.parse(patched.metadata.annotations![INJECTED_ANNOTATION]!)).toEqual({
      version: '0.1.0',
      image: 'envoyproxy/envoy:v1.31.0',
    });
    expect(patched.metadata.labels![TLS_MODE_LABEL]).toBe('istio');
  });

  it('puts the classic sidecar first among the containers, holding the app until Envoy is ready', () => {
    const { patched } = injected(pod(), enabled, { ...config, nativeSidecars: false });
    if (!patched) throw new Error('not injected');
    expect(names(patched.spec.initContainers)).toEqual(['trellis-init', 'trellis-credential']);
    expect(patched.spec.initContainers![1]?.args).toEqual(expect.arrayContaining(['--once']));
    expect(names(patched.spec.containers)).toEqual(['trellis-proxy', 'app']);
    expect(patched.spec.containers![0]).toHaveProperty('lifecycle.postStart.exec.command');
    expect(patched.spec.containers![0]).not.toHaveProperty('restartPolicy');
  });

  it('goes ahead of the app’s own init containers, keeps its volumes, security context, labels and annotations', () => {
    const original = pod(
      {
        initContainers: [{ name: 'migrate', image: 'migrate:1' }],
        volumes: [{ name: 'data', emptyDir: {} }],
        securityContext: { fsGroup: 2000 },
      },
      { labels: { app: 'web' }, annotations: { 'example.com/owner': 'team/a~b' } },
    );
    const { patched } = injected(original);
    if (!patched) throw new Error('not injected');
    expect(names(patched.spec.initContainers)).toEqual([
      'trellis-init',
      'trellis-credential',
      'trellis-proxy',
      'migrate',
    ]);
    expect(names(patched.spec.volumes)).toEqual([
      'data',
      'trellis-token',
      'trellis-ca-root',
      'trellis-credentials',
    ]);
    expect(patched.spec.securityContext).toEqual({ fsGroup: 2000 });
    expect(patched.metadata.labels).toEqual({ app: 'web', [TLS_MODE_LABEL]: 'istio' });
    expect(patched.metadata.annotations!['example.com/owner']).toBe('team/a~b');
  });

  it('rewrites HTTP probes to Envoy’s probe listener, after which the original is kept, a named port resolved', () => {
    const original = pod({
      containers: [
        {
          name: 'app',
          ports: [{ name: 'http', containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/live', port: 'http' }, periodSeconds: 5 },
          readinessProbe: { httpGet: { path: '/ready', port: 8081, scheme: 'HTTPS' } },
        },
      ],
    });
    const result = injected(original, enabled, { ...config, nativeSidecars: false });
    if (!result.patched) throw new Error('not injected');
    const app = result.patched.spec.containers![1]!;
    expect(app.livenessProbe).toEqual({
      httpGet: { path: '/app-health/app/livenessProbe', port: PROBE_PORT, scheme: 'HTTP' },
      periodSeconds: 5,
    });
    // HTTPS is left as it is, and said so.
    expect(app.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8081, scheme: 'HTTPS' } });
    expect(result.warnings.join('\n')).toContain(
      'container app readinessProbe: scheme HTTPS is left as it is',
    );
    expect(JSON.parse(result.patched.metadata.annotations![ORIGINAL_PROBES_ANNOTATION]!)).toEqual({
      'app/livenessProbe': { httpGet: { path: '/live', port: 'http' }, periodSeconds: 5 },
    });
  });

  it('puts the forwarding of the rewritten probes in the bootstrap Envoy starts with, which encodes strictly', () => {
    const original = pod({
      containers: [{ name: 'app', livenessProbe: { httpGet: { path: '/live', port: 8080 } } }],
    });
    const { patched } = injected(original);
    if (!patched) throw new Error('not injected');
    const args = patched.spec.initContainers![2]!.args as unknown as string[];
    // Kubernetes expands $(POD_IP) and $(POD_NAME) and turns $$ into $: done here by hand.
    const text = args[args.indexOf('--config-yaml') + 1]!.replaceAll('$(POD_IP)', '10.0.0.5')
      .replaceAll('$(POD_NAME)', 'web-0')
      .replaceAll('$$', '$');
    const bootstrap = JSON.parse(text) as Bootstrap;
    expect(bootstrap.node?.id).toBe('sidecar~10.0.0.5~web-0.shop~shop.svc.cluster.local');
    expect(bootstrap.static_resources?.listeners?.map((l) => l.name)).toContain('trellis-probes');
    expect(bootstrap.static_resources?.clusters?.map((c) => c.name)).toContain('trellis-probe|8080');
    expect(encodeBootstrap(bootstrap).ok).toBe(true);
  });

  it('takes resources and image from annotations, and warns of a value that is not a quantity', () => {
    const result = injected(
      pod(
        {},
        {
          annotations: {
            'trellis.dev/proxy-cpu': '250m',
            'trellis.dev/proxy-memory': 'lots',
            'trellis.dev/proxy-image': 'registry.local/envoy:custom',
          },
        },
      ),
    );
    if (!result.patched) throw new Error('not injected');
    expect(result.patched.spec.initContainers![2]).toMatchObject({
      image: 'registry.local/envoy:custom',
      resources: { requests: { cpu: '250m', memory: '128Mi' } },
    });
    expect(result.warnings.join('\n')).toContain(
      'annotation trellis.dev/proxy-memory: "lots" is not a Kubernetes quantity',
    );
  });

  it.each([
    [
      'an opt-out annotation',
      pod({}, { annotations: { 'trellis.dev/inject': 'false' } }),
      enabled,
      '"false"',
    ],
    ['a namespace not opted in', pod(), { other: 'x' }, 'is not labelled trellis.dev/inject=enabled'],
    ['a namespace Trellis does not know', pod(), null, 'is not known to Trellis'],
    ['a hostNetwork pod', pod({ hostNetwork: true }), enabled, 'hostNetwork'],
  ])('leaves alone %s', (_, p, labels, reason) => {
    expect(injected(p, labels).reason).toContain(reason);
  });

  it('injects a pod that opts in by annotation in a namespace that did not', () => {
    expect(injected(pod({}, { annotations: { 'trellis.dev/inject': 'true' } }), {}).patched).toBeDefined();
  });

  it('is idempotent: the injected pod, sent again, gets no patch', () => {
    const first = injected(pod());
    if (!first.patched) throw new Error('not injected');
    expect(injected(first.patched).reason).toBe('already injected');
    const classic = injected(pod(), enabled, { ...config, nativeSidecars: false });
    if (!classic.patched) throw new Error('not injected');
    expect(injected(classic.patched, enabled, { ...config, nativeSidecars: false }).reason).toBe(
      'already injected',
    );
  });

  it('escapes JSON pointer tokens in annotation keys', () => {
    const { patch } = injected(pod({}, { annotations: {} }));
    const paths = (patch as JsonPatchOperation[]).map((op) => op.path);
    expect(paths).toContain('/metadata/annotations/trellis.dev~1injected');
  });
});
