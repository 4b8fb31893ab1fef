// Test material for the webhook: an AdmissionReview as the API server sends it for a pod that a
// ReplicaSet creates, and mutators that stand in for the real one (written elsewhere). Used by the
// unit, server and fuzz tests only.
import { fail, ok } from '../model/result.js';
import type { JsonPatchOperation, PodMutationRequest, PodMutator } from './admission-review.js';

/** A Pod as a ReplicaSet controller creates it: generateName, no name, no namespace in metadata yet. */
export function realisticPod(): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      generateName: 'reviews-v1-7d9f8c6b5-',
      creationTimestamp: null,
      labels: { app: 'reviews', version: 'v1', 'pod-template-hash': '7d9f8c6b5' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-02T10:11:12Z' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'reviews-v1-7d9f8c6b5',
          uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2024-05-02T10:11:12Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} } } },
        },
      ],
    },
    spec: {
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [
                    { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                  ],
                },
              },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers: [
        {
          name: 'reviews',
          image: 'docker.io/example/reviews:1.18.0',
          ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }],
          env: [{ name: 'LOG_DIR', value: '/tmp/logs' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          readinessProbe: {
            httpGet: { path: '/health', port: 'http', scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
          },
          volumeMounts: [
            {
              name: 'kube-api-access-x7k2p',
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'bookinfo-reviews',
      serviceAccount: 'bookinfo-reviews',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {},
  };
}

/** The AdmissionReview the API server POSTs for `pod` (a CREATE in `namespace`). */
export function podReview(
  pod: unknown = realisticPod(),
  options: { uid?: string; namespace?: string; dryRun?: boolean } = {},
): Record<string, unknown> & { request: Record<string, unknown> } {
  const namespace = options.namespace ?? 'shop';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        uid: 'd2b3c4f5-0a1b-4c2d-8e3f-5a6b7c8d9e0f',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      },
      object: pod,
      oldObject: null,
      dryRun: options.dryRun ?? false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}

export const SIDECAR_NAME = 'trellis-proxy';
export const INJECTED_ANNOTATION = 'trellis.dev/injected';

/**
 * A careful stand-in for the real mutator: adds the annotation `trellis.dev/injected: "true"` (and
 * the annotations map when there is none) and a `trellis-proxy` container; a pod it cannot read is
 * an error, one already injected gets an empty patch.
 */
export const annotateAndAddContainer: PodMutator = {
  mutate({ pod, namespace }: PodMutationRequest) {
    if (!isRecord(pod)) return fail(['the pod is not an object']);
    const { metadata, spec } = pod;
    if (!isRecord(metadata)) return fail(['metadata is not an object']);
    if (!isRecord(spec) || !Array.isArray(spec.containers)) return fail(['spec.containers is not a list']);
    const annotations = metadata.annotations;
    if (annotations !== undefined && !isRecord(annotations))
      return fail(['metadata.annotations is not a map']);
    if (annotations && Object.hasOwn(annotations, INJECTED_ANNOTATION)) return ok([]);
    const ops: JsonPatchOperation[] = [
      annotations
        ? { op: 'add', path: `/metadata/annotations/${pointerToken(INJECTED_ANNOTATION)}`, value: 'true' }
        : { op: 'add', path: '/metadata/annotations', value: { [INJECTED_ANNOTATION]: 'true' } },
      {
        op: 'add',
        path: '/spec/containers/-',
        value: {
          name: SIDECAR_NAME,
          image: 'docker.io/envoyproxy/envoy:v1.31.0',
          args: ['--service-node', `sidecar~${namespace}`],
          securityContext: { runAsUser: 1337, runAsGroup: 1337 },
        },
      },
    ];
    return ok(ops);
  },
};

/** A careless mutator: the same patch whatever the pod, so it fails to apply to odd ones. */
export const careless: PodMutator = {
  mutate() {
    return ok([
      { op: 'test', path: '/kind', value: 'Pod' },
      { op: 'add', path: `/metadata/annotations/${pointerToken(INJECTED_ANNOTATION)}`, value: 'true' },
      { op: 'add', path: '/spec/containers/0', value: { name: SIDECAR_NAME, image: 'envoy' } },
      { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations/labels-copy' },
      { op: 'move', from: '/metadata/annotations/labels-copy', path: '/metadata/labels-moved' },
      { op: 'replace', path: '/spec/restartPolicy', value: 'Always' },
      { op: 'remove', path: '/metadata/labels-moved' },
    ]);
  },
};

/** A mutator whose every answer is an error. */
export const refusing: PodMutator = {
  mutate() {
    return fail(['namespace shop: trust bundle ConfigMap not found']);
  },
};

/** A mutator that throws, as a bug would. */
export const throwing: PodMutator = {
  mutate() {
    throw new Error('boom: cannot read properties of undefined');
  },
};

/** RFC 6901 escaping of one reference token. */
export function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
