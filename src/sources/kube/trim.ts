// What the Kubernetes source keeps of an object: only the fields the parsers in src/sources/apis/ read,
// plus the object's identity (uid, resourceVersion). An object is trimmed as it arrives (from a list
// or a watch event), before the informer stores it and before it becomes a document, so neither
// holds the rest: a Pod of a Deployment is some 5 kB on the wire (managedFields, the
// last-applied-configuration annotation, env, volumes, probes, container statuses) and a few hundred
// bytes trimmed.
//
// The shapes follow the zod schemas of the core parsers (src/sources/apis/core/): change one, change
// the other. trim.test.ts checks that trimming changes nothing those parsers give. Where a value
// does not have the shape expected (a list that is not a list), it is kept as it is, so the parser
// reports it exactly as it would have. Routing kinds keep their whole spec.
import { SERVICE_NAME_LABEL } from '../apis/core/endpoint-slice.js';
import { isRecord } from '../apis/core/resource.js';
import { type KubeKind, kindApiVersion } from './kube-kinds.js';

/** How much of a value to keep. */
type Shape =
  | { readonly keep: true }
  | { readonly fields: Readonly<Record<string, Shape>> }
  | { readonly items: Shape }
  | { readonly entries: (key: string) => boolean };

const KEEP: Shape = { keep: true };
const fields = (shape: Readonly<Record<string, Shape>>): Shape => ({ fields: shape });
const items = (shape: Shape): Shape => ({ items: shape });
/** A map (labels, annotations) of which only the entries whose key passes are kept. */
const entries = (keep: (key: string) => boolean): Shape => ({ entries: keep });

/** Every object's identity: what the parsers name it by, and what tells one version from another. */
const identity = { name: KEEP, namespace: KEEP, uid: KEEP, resourceVersion: KEEP };

/**
 * The core kinds (by group/kind), field by field as their parsers read them. Labels and annotations are kept where
 * the model holds them (a Pod's labels select it; a Namespace keeps its labels and every annotation,
 * one of which sets visibility), and otherwise dropped: the API server has validated them already.
 */
const CORE_SHAPES: ReadonlyMap<string, Shape> = new Map([
  // namespace.ts: name, labels and annotations (Namespace.annotations holds them all).
  ['/Namespace', fields({ metadata: fields({ ...identity, labels: KEEP, annotations: KEEP }) })],
  // service.ts: the type, the cluster IPs, the selector and the ports.
  [
    '/Service',
    fields({
      metadata: fields(identity),
      spec: fields({
        type: KEEP,
        clusterIP: KEEP,
        clusterIPs: KEEP,
        selector: KEEP,
        ports: items(fields({ name: KEEP, protocol: KEEP, appProtocol: KEEP, port: KEEP, targetPort: KEEP })),
      }),
    }),
  ],
  // pod.ts: labels, the service account, each container's name and ports, the pod's IPs.
  [
    '/Pod',
    fields({
      metadata: fields({ ...identity, labels: KEEP }),
      spec: fields({
        serviceAccountName: KEEP,
        serviceAccount: KEEP,
        containers: items(
          fields({ name: KEEP, ports: items(fields({ name: KEEP, containerPort: KEEP, protocol: KEEP })) }),
        ),
      }),
      status: fields({ podIP: KEEP, podIPs: items(fields({ ip: KEEP })) }),
    }),
  ],
  // endpoint-slice.ts: the service-name label, the address type, the ports and the endpoints.
  [
    'discovery.k8s.io/EndpointSlice',
    fields({
      metadata: fields({ ...identity, labels: entries((key) => key === SERVICE_NAME_LABEL) }),
      addressType: KEEP,
      ports: items(fields({ name: KEEP, port: KEEP, protocol: KEEP })),
      endpoints: items(
        fields({
          addresses: KEEP,
          conditions: fields({ ready: KEEP, serving: KEEP, terminating: KEEP }),
          zone: KEEP,
          nodeName: KEEP,
          targetRef: fields({ kind: KEEP, namespace: KEEP, name: KEEP }),
        }),
      ),
    }),
  ],
  // Nothing in the model reads a ServiceAccount (parse-manifests.ts accepts and skips it): its identity.
  ['/ServiceAccount', fields({ metadata: fields(identity) })],
]);

/**
 * A routing resource (a CRD) keeps its whole spec, and the metadata its family reads or its status
 * will be written with: creationTimestamp (the older of two conflicting resources wins) and
 * generation (a status condition's observedGeneration).
 */
const ROUTING_SHAPE: Shape = fields({
  metadata: fields({ ...identity, generation: KEEP, creationTimestamp: KEEP }),
  spec: KEEP,
});

/**
 * The trimmed copy of an object of `kind`, with its apiVersion and kind set (a list's items have
 * neither). Anything that is not an object with metadata is returned as it is.
 */
export function trimObject(kind: KubeKind, object: unknown): unknown {
  if (!isRecord(object) || !isRecord(object.metadata)) return object;
  const shape = CORE_SHAPES.get(`${kind.group}/${kind.kind}`) ?? ROUTING_SHAPE;
  const trimmed = pick(object, shape);
  return { apiVersion: kindApiVersion(kind), kind: kind.kind, ...(trimmed as object) };
}

function pick(value: unknown, shape: Shape): unknown {
  if ('keep' in shape) return value;
  if ('items' in shape) return Array.isArray(value) ? value.map((item) => pick(item, shape.items)) : value;
  if (!isRecord(value)) return value;
  const kept: Record<string, unknown> = {};
  if ('entries' in shape) {
    for (const [key, item] of Object.entries(value)) if (shape.entries(key)) kept[key] = item;
    return kept;
  }
  for (const [key, field] of Object.entries(shape.fields)) {
    if (Object.hasOwn(value, key)) kept[key] = pick(value[key], field);
  }
  return kept;
}

/**
 * True when two trimmed objects say the same thing: equal apart from metadata.resourceVersion, which
 * every write bumps (a Pod's status conditions, a label the model does not read, managedFields).
 */
export function sameContent(a: unknown, b: unknown): boolean {
  if (!isRecord(a) || !isRecord(b)) return equalJson(a, b);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    if (key === 'metadata' && isRecord(a.metadata) && isRecord(b.metadata)) {
      const { resourceVersion: _a, ...left } = a.metadata;
      const { resourceVersion: _b, ...right } = b.metadata;
      if (!equalJson(left, right)) return false;
    } else if (!equalJson(a[key], b[key])) return false;
  }
  return true;
}

function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equalJson(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && equalJson(a[key], b[key]));
}
