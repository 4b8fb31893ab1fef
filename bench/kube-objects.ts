// The cluster of the Kubernetes-source benchmark (bench/kube-run.ts), as the API server would hold
// it: Namespaces, ServiceAccounts, S Services, S × K Pods and one EndpointSlice per Service with its
// K Pods as endpoints. The objects carry what real ones carry, so that trimming shows: a Pod of a
// Deployment with managedFields, the last-applied-configuration annotation, an app container and
// an injected sidecar with env, probes, volumes, and a status with conditions and container
// statuses (some 5 to 6 kB of JSON); a slice with its controller's metadata. Deterministic: the
// fake API server's process and the benchmark build the same objects.

import { type ServicePlan, servicePlans } from './mesh-generator.js';

export type { ServicePlan };

export interface ClusterSize {
  readonly services: number;
  /** Pods per Service, each an endpoint of its Service's one EndpointSlice. */
  readonly podsPerService: number;
}

export type KubeJson = Record<string, unknown>;

const SERVICES_PER_NAMESPACE = 50;
const TARGET_PORT = 8080;
const NODES = 100;
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const CREATED = '2026-11-20T08:00:00Z';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** 10.244.0.1 upward: the pod network. */
function podIp(j: number): string {
  const n = 0x0af40000 + j + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A stable fake UUID for object `j` of kind `k`. */
function uid(k: number, j: number): string {
  const hex = (pad(k, 4) + pad(j, 12)).replace(/\d/g, (d) => 'abcdef0123'[Number(d)]!);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(1, 4)}-${hex.slice(4, 16)}`;
}

/** A pod-template hash and a five-letter pod suffix, as the ReplicaSet controller makes them. */
function templateHash(s: number): string {
  return (0x5c7d9f8b + s * 2654435761)
    .toString(36)
    .replace(/[^a-z0-9]/g, '')
    .slice(-9)
    .padStart(9, 'x');
}
function podSuffix(j: number): string {
  const letters = 'bcdfghjklmnpqrstvwxz2456789';
  let n = (j * 2654435761 + 12345) >>> 0;
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += letters[n % letters.length];
    n = Math.floor(n / letters.length);
  }
  return out;
}

export class KubeCluster {
  readonly services: readonly ServicePlan[];
  readonly namespaces: readonly string[];

  constructor(readonly size: ClusterSize) {
    this.services = servicePlans(size.services, SERVICES_PER_NAMESPACE);
    this.namespaces = [...new Set(this.services.map((s) => s.namespace))];
  }

  get podCount(): number {
    return this.size.services * this.size.podsPerService;
  }

  podName(s: number, k: number): string {
    const service = this.services[s]!;
    return `${service.name}-${templateHash(s)}-${podSuffix(s * this.size.podsPerService + k)}`;
  }

  podIp(s: number, k: number): string {
    return podIp(s * this.size.podsPerService + k);
  }

  /** Proxy `p`'s node id: pod k = ⌊p / S⌋ of service p mod S, so proxies spread over every service. */
  nodeId(p: number): string {
    const s = p % this.size.services;
    const k = Math.floor(p / this.size.services);
    if (k >= this.size.podsPerService) throw new Error(`only ${this.podCount} pods for proxy ${p}`);
    const ns = this.services[s]!.namespace;
    return `sidecar~${this.podIp(s, k)}~${this.podName(s, k)}.${ns}~${ns}.svc.cluster.local`;
  }

  /** The service endpoint change `n` touches: a stride coprime with 1,000 never repeats one. */
  changeTarget(n: number): ServicePlan {
    return this.services[(n * 7919) % this.services.length]!;
  }

  /** Every object, in the order a cluster would have created them. */
  *objects(): Generator<KubeJson> {
    for (const ns of this.namespaces) yield this.namespace(ns);
    for (const s of this.services) {
      yield this.serviceAccount(s);
      yield this.service(s);
      for (let k = 0; k < this.size.podsPerService; k++) yield this.pod(s, k);
      yield this.endpointSlice(s);
    }
  }

  namespace(name: string): KubeJson {
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: uid(1, this.namespaces.indexOf(name)),
        creationTimestamp: CREATED,
        labels: { 'kubernetes.io/metadata.name': name, team: name, 'trellis.dev/inject': 'enabled' },
        annotations: { 'example.com/owner': `team-${name}@example.com` },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }

  serviceAccount(s: ServicePlan): KubeJson {
    return {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: s.name,
        namespace: s.namespace,
        uid: uid(2, s.index),
        creationTimestamp: CREATED,
        labels: { app: s.name },
      },
    };
  }

  service(s: ServicePlan): KubeJson {
    const clusterIp = `10.96.${((s.index + 1) >>> 8) & 255}.${(s.index + 1) & 255}`;
    const portName = s.grpc ? 'grpc' : 'http';
    const applied = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { annotations: {}, labels: { app: s.name }, name: s.name, namespace: s.namespace },
      spec: {
        ports: [{ name: portName, port: s.port, targetPort: TARGET_PORT }],
        selector: { app: s.name },
      },
    };
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: s.name,
        namespace: s.namespace,
        uid: uid(3, s.index),
        creationTimestamp: CREATED,
        labels: { app: s.name, 'app.kubernetes.io/part-of': 'bench' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) },
        managedFields: [
          {
            manager: 'kubectl-client-side-apply',
            operation: 'Update',
            apiVersion: 'v1',
            time: CREATED,
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': { 'f:annotations': { '.': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': { 'f:ports': {}, 'f:selector': {}, 'f:type': {} },
            },
          },
        ],
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: clusterIp,
        clusterIPs: [clusterIp],
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        sessionAffinity: 'None',
        selector: { app: s.name },
        ports: [
          {
            name: portName,
            protocol: 'TCP',
            port: s.port,
            targetPort: TARGET_PORT,
            ...(s.grpc ? { appProtocol: 'grpc' } : {}),
          },
        ],
      },
      status: { loadBalancer: {} },
    };
  }

  pod(s: ServicePlan, k: number): KubeJson {
    const j = s.index * this.size.podsPerService + k;
    const hash = templateHash(s.index);
    const name = this.podName(s.index, k);
    const ip = this.podIp(s.index, k);
    const node = j % NODES;
    const image = `registry.example.com/${s.namespace}/${s.name}:1.${s.index % 7}.${k % 3}`;
    const portName = s.grpc ? 'grpc' : 'http';
    const tokenVolume = `kube-api-access-${podSuffix(j + 77)}`;
    const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
    const applied = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { annotations: {}, labels: { app: s.name }, name: s.name, namespace: s.namespace },
      spec: {
        replicas: this.size.podsPerService,
        selector: { matchLabels: { app: s.name, version: 'v1' } },
        template: {
          metadata: { labels: { app: s.name, version: 'v1' } },
          spec: {
            serviceAccountName: s.name,
            containers: [{ name: 'app', image, ports: [{ name: portName, containerPort: TARGET_PORT }] }],
          },
        },
      },
    };
    const probe = (path: string, period: number) => ({
      httpGet: { path, port: TARGET_PORT, scheme: 'HTTP' },
      periodSeconds: period,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const transition = (type: string, second: number) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: `2026-11-20T08:00:${pad(second, 2)}Z`,
    });
    const containerStatus = (container: string, containerImage: string, id: number) => ({
      name: container,
      state: { running: { startedAt: '2026-11-20T08:00:05Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: containerImage,
      imageID: `${containerImage.split(':')[0]}@sha256:${uid(id, j).replace(/-/g, '').repeat(2)}`,
      containerID: `containerd://${uid(id + 1, j)
        .replace(/-/g, '')
        .repeat(2)}`,
      started: true,
    });
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${s.name}-${hash}-`,
        namespace: s.namespace,
        uid: uid(4, j),
        creationTimestamp: CREATED,
        labels: {
          app: s.name,
          version: 'v1',
          'pod-template-hash': hash,
          'security.istio.io/tlsMode': 'istio',
          'app.kubernetes.io/part-of': 'bench',
        },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied),
          'kubectl.kubernetes.io/restartedAt': CREATED,
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': '15090',
          'prometheus.io/path': '/stats/prometheus',
          'trellis.dev/inject': 'true',
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${s.name}-${hash}`,
            uid: uid(5, s.index),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            apiVersion: 'v1',
            time: CREATED,
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': {
                'f:generateName': {},
                'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {}, 'f:version': {} },
                'f:ownerReferences': { '.': {}, [`k:{"uid":"${uid(5, s.index)}"}`]: {} },
              },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"app"}': {
                    '.': {},
                    'f:env': { '.': {}, 'k:{"name":"LOG_LEVEL"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                    'f:image': {},
                    'f:imagePullPolicy': {},
                    'f:name': {},
                    'f:ports': {
                      '.': {},
                      [`k:{"containerPort":${TARGET_PORT},"protocol":"TCP"}`]: {
                        '.': {},
                        'f:containerPort': {},
                        'f:name': {},
                        'f:protocol': {},
                      },
                    },
                  },
                },
                'f:serviceAccountName': {},
              },
            },
          },
          {
            manager: 'kubelet',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2026-11-20T08:00:06Z',
            fieldsType: 'FieldsV1',
            subresource: 'status',
            fieldsV1: {
              'f:status': {
                'f:conditions': {},
                'f:containerStatuses': {},
                'f:hostIP': {},
                'f:phase': {},
                'f:podIP': {},
                'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } },
                'f:startTime': {},
              },
            },
          },
        ],
      },
      spec: {
        serviceAccountName: s.name,
        serviceAccount: s.name,
        nodeName: `node-${node}`,
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        terminationGracePeriodSeconds: 30,
        schedulerName: 'default-scheduler',
        priority: 0,
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
        securityContext: { runAsNonRoot: true, fsGroup: 2000 },
        containers: [
          {
            name: 'app',
            image,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ name: portName, containerPort: TARGET_PORT, protocol: 'TCP' }],
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              { name: 'SERVICE_NAME', value: s.name },
              {
                name: 'DATABASE_URL',
                value: `postgres://db.${s.namespace}.svc.cluster.local:5432/${s.name}`,
              },
              { name: 'POD_NAME', ...fieldRef('metadata.name') },
              { name: 'POD_NAMESPACE', ...fieldRef('metadata.namespace') },
              { name: 'POD_IP', ...fieldRef('status.podIP') },
            ],
            resources: {
              limits: { cpu: '500m', memory: '256Mi' },
              requests: { cpu: '100m', memory: '128Mi' },
            },
            readinessProbe: probe('/ready', 10),
            livenessProbe: probe('/health', 20),
            volumeMounts: [
              {
                name: tokenVolume,
                mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                readOnly: true,
              },
              { name: 'config', mountPath: `/etc/${s.name}` },
            ],
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
          {
            name: 'trellis-proxy',
            image: 'registry.example.com/trellis/proxy:1.32.1',
            imagePullPolicy: 'IfNotPresent',
            args: ['proxy', 'sidecar', '--log-level', 'warning', '--concurrency', '2'],
            ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }],
            env: [
              { name: 'TRELLIS_XDS_ADDRESS', value: 'trellis.trellis-system.svc:15012' },
              { name: 'POD_NAME', ...fieldRef('metadata.name') },
              { name: 'POD_NAMESPACE', ...fieldRef('metadata.namespace') },
              { name: 'INSTANCE_IP', ...fieldRef('status.podIP') },
              { name: 'SERVICE_ACCOUNT', ...fieldRef('spec.serviceAccountName') },
            ],
            resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
            securityContext: { runAsUser: 1337, runAsGroup: 1337, allowPrivilegeEscalation: false },
            volumeMounts: [{ name: 'trellis-certs', mountPath: '/etc/trellis/certs' }],
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: `${s.name}-config`, defaultMode: 420 } },
          { name: 'trellis-certs', emptyDir: { medium: 'Memory' } },
          {
            name: tokenVolume,
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              ],
            },
          },
        ],
        tolerations: [
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
        ],
      },
      status: {
        phase: 'Running',
        hostIP: `172.18.${node >>> 8}.${(node & 255) + 1}`,
        podIP: ip,
        podIPs: [{ ip }],
        startTime: CREATED,
        qosClass: 'Burstable',
        conditions: [
          transition('PodReadyToStartContainers', 3),
          transition('Initialized', 2),
          transition('Ready', 9),
          transition('ContainersReady', 9),
          transition('PodScheduled', 0),
        ],
        containerStatuses: [
          containerStatus('app', image, 6),
          containerStatus('trellis-proxy', 'registry.example.com/trellis/proxy:1.32.1', 8),
        ],
      },
    };
  }

  /**
   * Service `s`'s one slice. With `change`, endpoint `notReady` fails its readiness probe (and is
   * dropped from the ClusterLoadAssignment), and the trigger-time annotation is `at`.
   */
  endpointSlice(s: ServicePlan, change?: { readonly notReady: number; readonly at: string }): KubeJson {
    const endpoints = Array.from({ length: this.size.podsPerService }, (_, k) => {
      const j = s.index * this.size.podsPerService + k;
      const ready = change?.notReady !== k;
      return {
        addresses: [this.podIp(s.index, k)],
        conditions: { ready, serving: ready, terminating: false },
        nodeName: `node-${j % NODES}`,
        zone: ZONES[(j % NODES) % ZONES.length],
        targetRef: { kind: 'Pod', namespace: s.namespace, name: this.podName(s.index, k), uid: uid(4, j) },
      };
    });
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${s.name}-${podSuffix(s.index + 991)}`,
        generateName: `${s.name}-`,
        namespace: s.namespace,
        uid: uid(6, s.index),
        generation: change ? 2 : 1,
        creationTimestamp: CREATED,
        labels: {
          'kubernetes.io/service-name': s.name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          app: s.name,
        },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': change?.at ?? CREATED },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            name: s.name,
            uid: uid(3, s.index),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      ports: [{ name: s.grpc ? 'grpc' : 'http', port: TARGET_PORT, protocol: 'TCP' }],
      endpoints,
    };
  }
}
