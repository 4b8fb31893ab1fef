// Writes a synthetic mesh as a manifest directory, laid out the way a GitOps repository would be:
// per namespace one file of Services, one of Pods, one file per EndpointSlice (so an endpoint
// change rewrites one small file, as a controller would touch one object) and one file per
// VirtualService + DestinationRule pair. The P proxies are real Pods of the services, so each
// gets its own inbound listener, as a sidecar would.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface MeshSize {
  /** Services. */
  readonly services: number;
  /** Endpoints in all, spread evenly over the services. */
  readonly endpoints: number;
  /** Proxies (pods with a sidecar) that will connect. */
  readonly proxies: number;
}

/** A benchmark service's name, namespace and port (the file mesh and the Kubernetes cluster alike). */
export interface ServicePlan {
  readonly index: number;
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  readonly grpc: boolean;
  /** The EDS name of its ClusterLoadAssignment: outbound|<port>||<fqdn>. */
  readonly edsName: string;
}

export interface GeneratedService extends ServicePlan {
  readonly endpointCount: number;
}

export interface GeneratedRoute {
  readonly service: GeneratedService;
  /** Where the weighted share and the header override go. */
  readonly canary: GeneratedService;
  readonly file: string;
}

export interface GeneratedMesh {
  readonly dir: string;
  readonly size: MeshSize;
  readonly namespaces: readonly string[];
  readonly services: readonly GeneratedService[];
  readonly routes: readonly GeneratedRoute[];
  /** Node ids, `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`, one per proxy. */
  readonly nodeIds: readonly string[];
  readonly files: number;
}

const SERVICES_PER_NAMESPACE = 50;
const HTTP_PORT = 80;
const GRPC_PORT = 9090;
const TARGET_PORT = 8080;
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

/** Endpoint j's address; 10.128.0.0/9 holds 8M, far more than any size we run. */
function endpointIp(j: number): string {
  const n = 0x0a800000 + j + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A changed endpoint's address, outside the range above so no two changes collide with it. */
function changedIp(change: number): string {
  return `10.127.${(change >>> 8) & 255}.${change & 255}`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function planServices(size: MeshSize): GeneratedService[] {
  const namespaces = Math.max(2, Math.ceil(size.services / SERVICES_PER_NAMESPACE));
  const perNamespace = Math.ceil(size.services / namespaces);
  const base = Math.floor(size.endpoints / size.services);
  const extra = size.endpoints % size.services;
  return servicePlans(size.services, perNamespace).map((plan, i) => ({
    ...plan,
    endpointCount: base + (i < extra ? 1 : 0),
  }));
}

/** `count` services, `perNamespace` to a namespace, in index order. */
export function servicePlans(count: number, perNamespace: number): ServicePlan[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => {
    const namespace = `ns-${pad(Math.floor(i / perNamespace), 3)}`;
    const name = `svc-${pad(i, width)}`;
    // One service in ten speaks gRPC: a second route configuration, like a real mix.
    const grpc = i % 10 === 9;
    const port = grpc ? GRPC_PORT : HTTP_PORT;
    return {
      index: i,
      name,
      namespace,
      port,
      grpc,
      edsName: `outbound|${port}||${name}.${namespace}.svc.cluster.local`,
    };
  });
}

function serviceYaml(s: GeneratedService): string {
  const ip = `10.96.${(s.index >>> 8) & 255}.${s.index & 255}`;
  return `apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
  labels: { app: ${s.name} }
spec:
  clusterIP: ${ip}
  selector: { app: ${s.name} }
  ports:
    - name: ${s.grpc ? 'grpc' : 'http'}
      port: ${s.port}
      targetPort: ${TARGET_PORT}${s.grpc ? '\n      appProtocol: grpc' : ''}
`;
}

interface PlacedEndpoint {
  readonly ip: string;
  readonly pod?: string;
}

/** The first endpoints of each service are the proxies' pods; the rest run without a sidecar. */
function placeEndpoints(services: readonly GeneratedService[], proxies: number): PlacedEndpoint[][] {
  let next = 0;
  const placed = services.map((s) =>
    Array.from({ length: s.endpointCount }, (): PlacedEndpoint => ({ ip: endpointIp(next++) })),
  );
  for (let p = 0; p < proxies; p++) {
    const s = p % services.length;
    const k = Math.floor(p / services.length);
    const list = placed[s]!;
    const service = services[s]!;
    const pod = `${service.name}-${pad(k, 3)}`;
    if (k < list.length) list[k] = { ip: list[k]!.ip, pod };
    else list.push({ ip: endpointIp(next++), pod }); // more proxies than endpoints: extra ready pods
  }
  return placed;
}

export function endpointSliceYaml(s: GeneratedService, endpoints: readonly PlacedEndpoint[]): string {
  const lines = endpoints.map((e, k) => {
    const target = e.pod ? `\n    targetRef: { kind: Pod, namespace: ${s.namespace}, name: ${e.pod} }` : '';
    return `  - addresses: ["${e.ip}"]
    conditions: { ready: true, serving: true, terminating: false }
    zone: ${ZONES[k % ZONES.length]}
    nodeName: node-${k % 50}${target}`;
  });
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${s.name}-abcde
  namespace: ${s.namespace}
  labels: { kubernetes.io/service-name: ${s.name} }
addressType: IPv4
ports:
  - name: ${s.grpc ? 'grpc' : 'http'}
    port: ${TARGET_PORT}
    protocol: TCP
endpoints:
${lines.join('\n')}
`;
}

function podYaml(s: GeneratedService, e: PlacedEndpoint): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${e.pod}
  namespace: ${s.namespace}
  labels: { app: ${s.name}, version: v1 }
spec:
  serviceAccountName: ${s.name}
  containers:
    - name: app
      image: example/app:1.0
      ports: [{ name: ${s.grpc ? 'grpc' : 'http'}, containerPort: ${TARGET_PORT} }]
status:
  podIP: ${e.ip}
`;
}

/** A 90/10 canary with a header override, retries and a timeout; `change` moves the weights. */
export function virtualServiceYaml(route: GeneratedRoute, change = 0): string {
  const { service: s, canary: c } = route;
  const fqdn = (x: GeneratedService) => `${x.name}.${x.namespace}.svc.cluster.local`;
  const canaryWeight = 10 + (change % 40);
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
spec:
  host: ${s.name}
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
    outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
spec:
  hosts: [${s.name}]
  http:
    - match:
        - headers:
            x-canary: { exact: "yes" }
      route:
        - destination: { host: ${fqdn(c)}, port: { number: ${c.port} } }
    - route:
        - destination: { host: ${fqdn(s)}, port: { number: ${s.port} } }
          weight: ${100 - canaryWeight}
        - destination: { host: ${fqdn(c)}, port: { number: ${c.port} } }
          weight: ${canaryWeight}
      timeout: 5s
      retries: { attempts: 2, perTryTimeout: 2s, retryOn: "5xx,reset" }
`;
}

/**
 * One VirtualService per 50 HTTP services (at least 2), each sending a share to the next HTTP
 * service of its namespace.
 */
function planRoutes(services: readonly GeneratedService[], dir: string): GeneratedRoute[] {
  const http = services.filter((s) => !s.grpc);
  const count = Math.max(2, Math.ceil(services.length / 50));
  const step = Math.max(1, Math.floor(http.length / count));
  const routes: GeneratedRoute[] = [];
  for (let i = 0; i < http.length && routes.length < count; i += step) {
    const service = http[i]!;
    const canary = http.find((c) => c.namespace === service.namespace && c.index > service.index);
    if (!canary) continue;
    routes.push({
      service,
      canary,
      file: path.join(dir, service.namespace, 'routing', `${service.name}.yaml`),
    });
  }
  return routes;
}

/**
 * Rewrites a file the way controllers and git do, by renaming a finished file over it: the file
 * source (a watcher) then never reads it half-written, so each change is one change. (A plain
 * rewrite truncates first, and a read landing in between sees the resource gone for a moment.)
 * The temporary name is hidden, and hidden files are never read as manifests.
 */
async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export function endpointSliceFile(dir: string, s: GeneratedService): string {
  return path.join(dir, s.namespace, 'endpoints', `${s.name}.yaml`);
}

export class MeshWriter {
  private readonly placed: PlacedEndpoint[][];

  private constructor(
    readonly mesh: GeneratedMesh,
    placed: PlacedEndpoint[][],
  ) {
    this.placed = placed;
  }

  /** Writes the whole mesh under `dir` (which must exist and be empty). */
  static async write(dir: string, size: MeshSize): Promise<MeshWriter> {
    const services = planServices(size);
    const placed = placeEndpoints(services, size.proxies);
    const namespaces = [...new Set(services.map((s) => s.namespace))];
    const routes = planRoutes(services, dir);
    let files = 0;
    const put = async (file: string, text: string) => {
      await writeFile(file, text);
      files++;
    };
    await put(
      path.join(dir, 'namespaces.yaml'),
      namespaces
        .map((ns) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: { team: ${ns} }\n`)
        .join('---\n'),
    );
    const nodeIds: string[] = [];
    for (const ns of namespaces) {
      await mkdir(path.join(dir, ns, 'endpoints'), { recursive: true });
      await mkdir(path.join(dir, ns, 'routing'), { recursive: true });
      const here = services.filter((s) => s.namespace === ns);
      await put(path.join(dir, ns, 'services.yaml'), here.map(serviceYaml).join('---\n'));
      const pods: string[] = [];
      for (const s of here) {
        const endpoints = placed[s.index]!;
        await put(endpointSliceFile(dir, s), endpointSliceYaml(s, endpoints));
        for (const e of endpoints) {
          if (!e.pod) continue;
          pods.push(podYaml(s, e));
          nodeIds.push(`sidecar~${e.ip}~${e.pod}.${ns}~${ns}.svc.cluster.local`);
        }
      }
      if (pods.length > 0) await put(path.join(dir, ns, 'pods.yaml'), pods.join('---\n'));
    }
    for (const route of routes) await put(route.file, virtualServiceYaml(route));
    return new MeshWriter({ dir, size, namespaces, services, routes, nodeIds, files }, placed);
  }

  /** The service endpoint change `n` touches; a stride coprime with most sizes avoids repeats. */
  endpointTarget(n: number): GeneratedService {
    const { services } = this.mesh;
    return services[(n * 7919) % services.length]!;
  }

  /** The VirtualService route change `n` touches. */
  routeTarget(n: number): GeneratedRoute {
    const { routes } = this.mesh;
    return routes[n % routes.length]!;
  }

  /**
   * Endpoint change `n`: one address of one service (not a proxy's pod) moves, the way a pod is
   * rescheduled. Its ClusterLoadAssignment, and nothing else, changes.
   */
  async changeEndpoint(n: number): Promise<void> {
    const s = this.endpointTarget(n);
    const endpoints = [...this.placed[s.index]!];
    const last = endpoints.length - 1;
    if (last >= 0 && !endpoints[last]!.pod) endpoints[last] = { ip: changedIp(n) };
    else endpoints.push({ ip: changedIp(n) });
    this.placed[s.index] = endpoints;
    await replaceFile(endpointSliceFile(this.mesh.dir, s), endpointSliceYaml(s, endpoints));
  }

  /** Route change `n`: one VirtualService's weights move, never back to a value they had. */
  async changeRoute(n: number): Promise<void> {
    const route = this.routeTarget(n);
    await replaceFile(route.file, virtualServiceYaml(route, Math.floor(n / this.mesh.routes.length) + 1));
  }
}
