// The cluster install (deploy/, `kubectl apply -k deploy/`) and the image (Dockerfile), checked
// offline: the base rendered by kubectl's own kustomize, every object validated against the
// Kubernetes OpenAPI schemas, the wiring between the objects and the code, the least-privilege
// RBAC (every rule listed here, so a widening shows as a diff), and what can be read of the
// Dockerfile without Docker.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { IMAGE_JEMALLOC, MALLOC_CONF } from '../../bench/server-env.js';
import { INJECTOR_FLAGS } from '../../src/cli/injector-flags.js';
import { statusKinds } from '../../src/cluster/kube-status-api.js';
import { INJECT_NAMESPACE_LABEL } from '../../src/injector/inject-decision.js';
import { INJECT_PATH } from '../../src/injector/webhook-server.js';
import { KUBE_KINDS } from '../../src/sources/kube/kube-kinds.js';
import { describeObject, type KubeObject, validateObject } from './kube-schemas.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const DEPLOY = path.join(repo, 'deploy');
const NAMESPACE = 'trellis-system';
const SERVICE_ACCOUNT = { kind: 'ServiceAccount', name: 'trellis', namespace: NAMESPACE };
const WEBHOOK_CONFIGURATION = 'trellis-sidecar-injector';
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  bin: { trellis: string };
};
const CLI = path.join(repo, packageJson.bin.trellis);

function parseYaml(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** `kubectl kustomize deploy/`: the objects `kubectl apply -k deploy/` sends. */
async function render(): Promise<KubeObject[]> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', DEPLOY], { maxBuffer: 16 * 1024 * 1024 });
    return parseYaml(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        'kubectl not found: the install test renders deploy/ with `kubectl kustomize`. Install Debian’s ' +
          'kubernetes-client (apt-get install kubernetes-client; .ci/run does it).',
      );
    throw err;
  }
}

// Rendered objects, typed only as far as the assertions read them.
interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
}
interface Probe {
  httpGet: { path: string; port: number };
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: {
        podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } };
      }[];
    };
  };
  containers: Container[];
}
interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface Binding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A rule in one comparable form: its lists sorted, no empty resourceNames. */
function normalize(rule: Rule): Rule {
  return {
    apiGroups: [...rule.apiGroups].sort(),
    resources: [...rule.resources].sort(),
    ...(rule.resourceNames?.length ? { resourceNames: [...rule.resourceNames].sort() } : {}),
    verbs: [...rule.verbs].sort(),
  };
}
const sortRules = (rules: Rule[]) =>
  rules.map(normalize).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const read = ['get', 'list', 'watch'];
const status = ['patch', 'update'];

// Everything the ServiceAccount may do, by scope. Kubernetes mode (issue 14): informers on the
// mesh's kinds, status write-back of the routing kinds, the root ConfigMap in meshed namespaces;
// injection and identity: namespaces, TokenReview, the webhook's caBundle; in trellis-system only:
// the leader Lease and the CA's Secrets.
const EXPECTED_CLUSTER_RULES: Rule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: read },
  { apiGroups: [''], resources: ['pods', 'serviceaccounts', 'services'], verbs: read },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['grpcroutes', 'httproutes', 'referencegrants'],
    verbs: read,
  },
  {
    apiGroups: ['networking.istio.io'],
    resources: ['destinationrules', 'sidecars', 'virtualservices'],
    verbs: read,
  },
  { apiGroups: ['security.istio.io'], resources: ['peerauthentications'], verbs: read },
  { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits'], verbs: read },
  { apiGroups: ['specs.smi-spec.io'], resources: ['httproutegroups'], verbs: read },
  { apiGroups: ['trellis.dev'], resources: ['localratelimitpolicies'], verbs: read },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['grpcroutes/status', 'httproutes/status'],
    verbs: status,
  },
  {
    apiGroups: ['networking.istio.io'],
    resources: ['destinationrules/status', 'sidecars/status', 'virtualservices/status'],
    verbs: status,
  },
  { apiGroups: ['security.istio.io'], resources: ['peerauthentications/status'], verbs: status },
  { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits/status'], verbs: status },
  // SMI's CRDs have no status subresource: the status goes on the object.
  { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits'], verbs: ['patch'] },
  { apiGroups: ['trellis.dev'], resources: ['localratelimitpolicies/status'], verbs: status },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
  {
    apiGroups: [''],
    resources: ['configmaps'],
    resourceNames: ['trellis-ca-root'],
    verbs: ['get', 'patch', 'update'],
  },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['mutatingwebhookconfigurations'],
    resourceNames: [WEBHOOK_CONFIGURATION],
    verbs: ['get', 'patch', 'update'],
  },
];
const EXPECTED_NAMESPACE_RULES: Rule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: ['trellis-leader'],
    verbs: ['get', 'update'],
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: ['trellis-ca'], verbs: ['get', 'update'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: ['cacerts'], verbs: ['get'] },
];

describe('deploy/ (kubectl apply -k deploy/)', () => {
  let objects: KubeObject[];
  const find = <T extends KubeObject>(kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the rendered base`);
    return found as T;
  };
  let deployment: Deployment;
  let pod: PodSpec;
  let container: Container;
  beforeAll(async () => {
    objects = await render();
    deployment = find<Deployment>('Deployment', 'trellis');
    pod = deployment.spec.template.spec;
    container = pod.containers[0]!;
  });

  it('renders exactly the install’s objects', () => {
    expect(objects.map(describeObject).sort()).toEqual(
      [
        'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration trellis-sidecar-injector',
        'apiextensions.k8s.io/v1 CustomResourceDefinition localratelimitpolicies.trellis.dev',
        'apps/v1 Deployment trellis-system/trellis',
        'policy/v1 PodDisruptionBudget trellis-system/trellis',
        'rbac.authorization.k8s.io/v1 ClusterRole trellis',
        'rbac.authorization.k8s.io/v1 ClusterRole trellis-injector',
        'rbac.authorization.k8s.io/v1 ClusterRoleBinding trellis',
        'rbac.authorization.k8s.io/v1 ClusterRoleBinding trellis-injector',
        'rbac.authorization.k8s.io/v1 Role trellis-system/trellis',
        'rbac.authorization.k8s.io/v1 RoleBinding trellis-system/trellis',
        'v1 Namespace trellis-system',
        'v1 Service trellis-system/trellis',
        'v1 ServiceAccount trellis-system/trellis',
      ].sort(),
    );
    // Every CRD shipped here is in the base.
    const crdFiles = fs.readdirSync(path.join(DEPLOY, 'crds')).filter((f) => f.endsWith('.yaml'));
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds.sort()).toEqual(crdFiles.map((f) => f.replace(/\.yaml$/, '')).sort());
  });

  it('is valid against the Kubernetes OpenAPI schemas, with no unknown field', async () => {
    // The CRDs validate as apiextensions.k8s.io/v1 CustomResourceDefinition like any object.
    const errors = (await Promise.all(objects.map(validateObject))).flat();
    expect(errors).toEqual([]);
    // No custom resource ships in the base: one would need checking against its CRD's schema here.
    const customGroups = new Set(
      objects
        .filter((o) => o.kind === 'CustomResourceDefinition')
        .map((o) => (o as unknown as { spec: { group: string } }).spec.group),
    );
    expect(objects.filter((o) => customGroups.has(o.apiVersion.split('/')[0]!))).toEqual([]);
  });

  it('runs two replicas of the image that sidecars are injected with', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    expect(pod.containers).toHaveLength(1);
    expect(container.image).toBe(INJECTOR_FLAGS['trellis-image'].default);
    expect(container.args).toContain(`--trellis-image=${container.image}`);
    expect(pod.serviceAccountName).toBe(SERVICE_ACCOUNT.name);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
    for (const kind of ['requests', 'limits'] as const)
      expect(Object.keys(container.resources[kind]).sort()).toEqual(['cpu', 'memory']);
    const [spread] = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(spread?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(
      selects(spread!.podAffinityTerm.labelSelector.matchLabels, deployment.spec.template.metadata.labels),
    ).toBe(true);
  });

  it('serves every port on all addresses, with the Service’s DNS names in the TLS certificate', () => {
    expect(container.args.slice(0, 2)).toEqual(['serve', '--kube']);
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--xds-address=0.0.0.0:15010',
        '--xds-tls-address=0.0.0.0:15012',
        '--admin-address=0.0.0.0:15014',
        '--webhook-address=0.0.0.0:15017',
        `--tls-server-names=trellis.${NAMESPACE}.svc,trellis.${NAMESPACE}.svc.cluster.local`,
        `--root-namespace=${NAMESPACE}`,
      ]),
    );
    expect(container.ports.map((p) => p.containerPort).sort()).toEqual([15010, 15012, 15014, 15017]);
  });

  it('passes arguments that the real `trellis serve` accepts', async () => {
    // The built CLI parses and checks every flag, then fails on the first thing it does with them:
    // reading a kubeconfig that does not exist (exit 1, naming it). A usage error exits 2.
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    const missing = path.join(repo, 'tmp/no-such-dir/kubeconfig');
    const result = await run(process.execPath, [CLI, ...container.args, `--kubeconfig=${missing}`], {
      env: { ...process.env, POD_NAMESPACE: NAMESPACE, POD_NAME: 'trellis-0' },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    expect(result.stderr).not.toContain('usage:');
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toContain(missing);
  });

  it('runs unprivileged, read-only, with no capability and the default seccomp profile', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext.runAsUser).toBe(imageUser().uid);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the admin port', () => {
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 15014 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 15014 });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 15014 });
  });

  it('keeps one replica through voluntary disruptions', () => {
    const pdb = find<
      KubeObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }
    >('PodDisruptionBudget', 'trellis');
    expect(pdb.metadata.namespace).toBe(NAMESPACE);
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('exposes xDS, xDS over TLS, admin, and the webhook on 443', () => {
    const service = find<
      KubeObject & {
        spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[] };
      }
    >('Service', 'trellis');
    expect(service.metadata.namespace).toBe(NAMESPACE);
    expect(selects(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(Object.fromEntries(service.spec.ports.map((p) => [p.port, p.targetPort]))).toEqual({
      443: 15017,
      15010: 15010,
      15012: 15012,
      15014: 15014,
    });
  });

  it('points the webhook at the Service’s port 443 and the path the webhook server serves', () => {
    const config = find<
      KubeObject & {
        webhooks: {
          clientConfig: { service: Record<string, unknown> };
          namespaceSelector: { matchLabels: Record<string, string> };
        }[];
      }
    >('MutatingWebhookConfiguration', WEBHOOK_CONFIGURATION);
    expect(config.webhooks).toHaveLength(1);
    expect(config.webhooks[0]!.clientConfig.service).toEqual({
      name: 'trellis',
      namespace: NAMESPACE,
      port: 443,
      path: INJECT_PATH,
    });
    // Trellis's own namespace is never injected: its pods must not wait on their own webhook.
    const namespace = find('Namespace', NAMESPACE);
    expect(selects(config.webhooks[0]!.namespaceSelector.matchLabels, namespace.metadata.labels ?? {})).toBe(
      false,
    );
    expect(config.webhooks[0]!.namespaceSelector.matchLabels).toHaveProperty([INJECT_NAMESPACE_LABEL]);
  });

  it('grants the ServiceAccount exactly the rules it needs, and no more', () => {
    find('ServiceAccount', SERVICE_ACCOUNT.name);
    const bindings = objects.filter(
      (o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
    ) as Binding[];
    for (const b of bindings) expect(b.subjects, describeObject(b)).toEqual([SERVICE_ACCOUNT]);
    const rulesOf = (bindingKind: string) =>
      bindings
        .filter((b) => b.kind === bindingKind)
        .flatMap((b) => {
          const role = find<KubeObject & { rules: Rule[] }>(b.roleRef.kind, b.roleRef.name);
          expect(role.metadata.namespace).toBe(b.metadata.namespace);
          return role.rules;
        });
    expect(sortRules(rulesOf('ClusterRoleBinding'))).toEqual(sortRules(EXPECTED_CLUSTER_RULES));
    expect(sortRules(rulesOf('RoleBinding'))).toEqual(sortRules(EXPECTED_NAMESPACE_RULES));
    expect(bindings.filter((b) => b.kind === 'RoleBinding').map((b) => b.metadata.namespace)).toEqual([
      NAMESPACE,
    ]);
    // Every role in the base is bound, so the lists above are all there is.
    const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    expect(roles.map((r) => r.metadata.name).sort()).toEqual(bindings.map((b) => b.roleRef.name).sort());
  });

  it('lets the Kubernetes source read every kind it watches', () => {
    const rules = EXPECTED_CLUSTER_RULES.filter((r) => !r.resourceNames);
    for (const kind of KUBE_KINDS)
      expect(
        rules.some(
          (r) =>
            r.apiGroups.includes(kind.group) &&
            r.resources.includes(kind.plural) &&
            read.every((v) => r.verbs.includes(v)),
        ),
        `${kind.plural}.${kind.group}`,
      ).toBe(true);
  });

  it('lets the status publisher write the status of every routing kind it writes', () => {
    // EndpointSlices are no routing resource and have no status subresource to write.
    const routing = [...statusKinds().values()].filter((k) => k.group !== 'discovery.k8s.io');
    for (const kind of routing)
      expect(
        EXPECTED_CLUSTER_RULES.some(
          (r) =>
            r.apiGroups.includes(kind.group) &&
            r.resources.includes(`${kind.plural}/status`) &&
            status.every((v) => r.verbs.includes(v)),
        ),
        `${kind.plural}/status.${kind.group}`,
      ).toBe(true);
  });
});

describe('deploy/demo (the README’s example app)', () => {
  it('is valid against the Kubernetes schemas, and its routing passes `trellis validate`', async () => {
    const app = parseYaml(fs.readFileSync(path.join(DEPLOY, 'demo/app.yaml'), 'utf8'));
    expect((await Promise.all(app.map(validateObject))).flat()).toEqual([]);
    const { stdout } = await run(process.execPath, [CLI, 'validate', path.join(DEPLOY, 'demo')], {
      timeout: 30_000,
    });
    expect(stdout).toMatch(/valid: .*3 services/);
    const route = parseYaml(fs.readFileSync(path.join(DEPLOY, 'demo/httproute.yaml'), 'utf8'));
    expect(route.map((o) => o.kind)).toEqual(['HTTPRoute']);
  });
});

// The Dockerfile, read as text: Docker is not available where the tests run.
const dockerfile = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined; comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM\s/i.test(line)) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);
const finalStage = stages.at(-1) ?? [];

function imageUser(): { uid: number; gid: number | undefined } {
  const users = finalStage.filter((l) => /^USER\s/i.test(l));
  const match = /^USER\s+(\d+)(?::(\d+))?$/i.exec(users.at(-1) ?? '');
  if (!match) throw new Error(`the final stage needs a numeric USER, found ${JSON.stringify(users)}`);
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

describe('Dockerfile', () => {
  it('builds in one stage and ships production dependencies only in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]!.some((l) => /^RUN\s.*\bnpm ci\b/.test(l))).toBe(true);
    expect(stages[0]!.some((l) => /^RUN\s.*\bnpm run build\b/.test(l))).toBe(true);
    expect(finalStage.some((l) => /^RUN\s.*\bnpm ci\b.*--omit=dev\b/.test(l))).toBe(true);
    expect(finalStage.filter((l) => /^RUN\s/.test(l)).join('\n')).not.toMatch(/npm run build|npm install\b/);
    // The Node release the package supports (engines: >=20.10).
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM\s+node:20[-.\w]*/);
  });

  it('runs as a numeric non-root user, the one the Deployment runs as', () => {
    const { uid, gid } = imageUser();
    expect(uid).toBeGreaterThan(0);
    expect(gid ?? uid).toBeGreaterThan(0);
  });

  it('starts the CLI of package.json, and copies what the built code reads at run time', () => {
    const entrypoint = finalStage.filter((l) => /^ENTRYPOINT\s/.test(l)).at(-1) ?? '';
    expect(JSON.parse(entrypoint.replace(/^ENTRYPOINT\s+/, ''))).toEqual(['node', packageJson.bin.trellis]);
    expect(fs.existsSync(CLI), `${CLI}: run \`npm run build\` first`).toBe(true);
    const copied = finalStage
      .filter((l) => /^COPY\s+--from=/.test(l))
      .map((l) =>
        l
          .split(/\s+/)
          .at(-2)!
          .replace(/^\/src\//, ''),
      );
    expect(copied).toEqual(expect.arrayContaining(['dist/src', 'src/xds/envoy/protos.json', 'proto']));
    for (const file of copied) expect(fs.existsSync(path.join(repo, file)), file).toBe(true);
    // The ones read beside dist/ (src/xds/envoy/proto-root.ts, src/ca/csr-service.ts).
    expect(fs.existsSync(path.join(repo, 'proto/trellis/ca/v1/ca.proto'))).toBe(true);
  });

  it('runs the server on the allocator the benchmark measures', () => {
    const env = (name: string) =>
      finalStage.filter((l) => l.startsWith(`ENV ${name}=`)).map((l) => l.slice(`ENV ${name}=`.length));
    expect(env('LD_PRELOAD')).toEqual([IMAGE_JEMALLOC]);
    expect(env('MALLOC_CONF')).toEqual([MALLOC_CONF]);
    // The library is installed, and linked where LD_PRELOAD looks, in the same stage.
    const run = finalStage.find((l) => l.startsWith('RUN apt-get'));
    expect(run).toContain('apt-get install -y --no-install-recommends libjemalloc2');
    expect(run).toContain(` ${IMAGE_JEMALLOC}`);
    expect(finalStage.indexOf(run!)).toBeLessThan(
      finalStage.findIndex((l) => l.startsWith('ENV LD_PRELOAD=')),
    );
  });

  it('keeps dependencies and build output of this machine out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(repo, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', 'src/generated']));
  });
});
