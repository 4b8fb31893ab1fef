// Test-only: a seeded generator of hostile watch events for the Kubernetes source (issue 14, "Bad
// inputs"). Each case is a few steps against the fake API server (objects written through its store,
// so they reach the source over the real wire as ADDED, MODIFIED and DELETED events, or lines sent
// to the watches as they are, which the store would never send), what must become of each object
// (an issue naming it and the field, served with its content, or absent) and what must be logged,
// and the steps that delete what the case made. src/sources/kube/hostile-events.test.ts runs them.
//
// Every object of case i is named after i (h<i>, in namespace `hostile`), so the cases of a batch
// touch no object in common. Only a case that ends watches (`disruptive`) needs a batch of its own.
import { formatPath } from '../../src/sources/apis/issues.js';
import { seededRandom } from '../../src/sources/apis/shared/fuzz-mutations.js';

export const HOSTILE_NAMESPACE = 'hostile';

export const KIND_NAMES = [
  'Namespace',
  'Service',
  'Pod',
  'EndpointSlice',
  'HTTPRoute',
  'VirtualService',
  'DestinationRule',
] as const;
export type KindName = (typeof KIND_NAMES)[number];

const ROUTING: ReadonlySet<KindName> = new Set(['HTTPRoute', 'VirtualService', 'DestinationRule']);
export const isRouting = (kind: KindName): boolean => ROUTING.has(kind);

const API_VERSIONS: Readonly<Record<KindName, string>> = {
  Namespace: 'v1',
  Service: 'v1',
  Pod: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  VirtualService: 'networking.istio.io/v1',
  DestinationRule: 'networking.istio.io/v1',
};

/** `group/Kind` as the source's origins and logs name a kind (kube-kinds.ts kindLabel). */
export function labelOf(kind: KindName): string {
  const apiVersion = API_VERSIONS[kind];
  return `${apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : 'core'}/${kind}`;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };

/** One object as the source names it: its origin is kube:<label>/<namespace>/<name>. */
export interface ObjectRef {
  readonly kind: KindName;
  /** Undefined for a Namespace (cluster-scoped). */
  readonly namespace?: string;
  /** '' for an object without a name. */
  readonly name: string;
}

export function originOf(ref: ObjectRef): string {
  return `kube:${labelOf(ref.kind)}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export type Step =
  /** Through the store: an ADDED or MODIFIED event with a real resourceVersion. */
  | { readonly op: 'apply'; readonly object: Obj }
  /** Through the store: a DELETED event (nothing when the store does not hold it). */
  | { readonly op: 'remove'; readonly object: Obj }
  /**
   * An event only the watches of `kind` see. `rv` sets the object's metadata.resourceVersion: 'now',
   * the store's current version; a number n, the version the case's n-th apply got (an older one).
   */
  | { readonly op: 'raw'; readonly kind: KindName; readonly event: Json; readonly rv?: 'now' | number }
  /** A line that is not an event at all, to the watches of `kind`. */
  | { readonly op: 'line'; readonly kind: KindName; readonly text: string }
  /** Ends every watch: each informer resumes from its resourceVersion. */
  | { readonly op: 'end-watches' };

export type Expectation =
  /** An issue about the object at the field (exactly, or a field under it), of this severity. */
  | {
      readonly type: 'issue';
      readonly ref: ObjectRef;
      readonly fieldPath: string;
      readonly exact: boolean;
      readonly severity: 'error' | 'warning';
      readonly reasons?: readonly string[];
    }
  /** Served, with its marker (a port, a label or the generation), and no error about it. */
  | { readonly type: 'served'; readonly ref: ObjectRef; readonly marker: number }
  /** Neither served nor the subject of any issue. */
  | { readonly type: 'absent'; readonly ref: ObjectRef }
  /** Not in the mesh (a core kind); it may be the subject of issues. */
  | { readonly type: 'not-served'; readonly ref: ObjectRef }
  /** A warning line holding every one of `words`. */
  | { readonly type: 'warned'; readonly words: readonly string[] }
  /** The kind's informer failed, saying `words`, and was restarted. */
  | { readonly type: 'restarted'; readonly kind: KindName; readonly words: readonly string[] };

export const CLASSES = [
  'wrong-type',
  'bad-value',
  'null-required',
  'missing-field',
  'missing-spec',
  'missing-name',
  'deep-junk',
  'huge-string',
  'unknown-field',
  'kind-mismatch',
  'unknown-kind',
  'api-version-mismatch',
  'unfileable-object',
  'delete-unknown',
  'delete-twice',
  'modified-before-added',
  'stale-event',
  'junk-bookmark',
  'bad-event-type',
  'gone-without-end',
  'malformed-line',
  'error-event',
  'junk-resource-version',
  'valid-burst',
  'invalid-then-valid',
  'valid-then-invalid',
] as const;
export type HostileEventClass = (typeof CLASSES)[number];

/** How often each class is drawn (out of the sum). */
const WEIGHTS: Readonly<Record<HostileEventClass, number>> = {
  'wrong-type': 12,
  'bad-value': 8,
  'null-required': 4,
  'missing-field': 4,
  'missing-spec': 3,
  'missing-name': 3,
  'deep-junk': 3,
  'huge-string': 3,
  'unknown-field': 5,
  'kind-mismatch': 4,
  'unknown-kind': 3,
  'api-version-mismatch': 3,
  'unfileable-object': 5,
  'delete-unknown': 3,
  'delete-twice': 4,
  'modified-before-added': 4,
  'stale-event': 4,
  'junk-bookmark': 4,
  'bad-event-type': 3,
  'gone-without-end': 1,
  'malformed-line': 4,
  'error-event': 1.2,
  'junk-resource-version': 0.5,
  'valid-burst': 6,
  'invalid-then-valid': 4,
  'valid-then-invalid': 4,
};

export interface HostileEventCase {
  readonly seed: number;
  readonly index: number;
  readonly cls: HostileEventClass;
  readonly description: string;
  readonly steps: readonly Step[];
  readonly expect: readonly Expectation[];
  /** Deletes whatever the case left, in the store and in the informers. */
  readonly cleanup: readonly Step[];
  /** Every object the case may make, served or not: no other may be the subject of an issue. */
  readonly objects: readonly ObjectRef[];
  /** Ends or restarts a watch: run alone, with no other case's events in flight. */
  readonly disruptive: boolean;
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

/** A value short enough to quote in a description. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 50 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}

// ---------------------------------------------------------------------------------------------------
// Valid objects. Each carries a marker the runner can read back from the state: a port (Service,
// EndpointSlice, Pod), a label (Namespace) or metadata.generation (routing kinds).

export function validObject(
  kind: KindName,
  name: string,
  marker: number,
  namespace = HOSTILE_NAMESPACE,
): Obj {
  const apiVersion = API_VERSIONS[kind];
  const metadata: Obj = { name, namespace };
  switch (kind) {
    case 'Namespace':
      return { apiVersion, kind, metadata: { name, labels: { marker: String(marker), team: 'hostile' } } };
    case 'Service':
      return {
        apiVersion,
        kind,
        metadata,
        spec: {
          type: 'ClusterIP',
          clusterIP: '10.96.77.7',
          selector: { app: name },
          ports: [{ name: 'http', port: marker, targetPort: 8080, protocol: 'TCP' }],
        },
      };
    case 'Pod':
      return {
        apiVersion,
        kind,
        metadata: { ...metadata, labels: { app: name } },
        spec: {
          serviceAccountName: 'hostile',
          containers: [{ name: 'app', ports: [{ name: 'http', containerPort: marker }] }],
        },
        status: { podIP: '10.1.7.7' },
      };
    case 'EndpointSlice':
      return {
        apiVersion,
        kind,
        metadata: { ...metadata, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: marker, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.1.7.7'], conditions: { ready: true } }],
      };
    case 'HTTPRoute':
      return {
        apiVersion,
        kind,
        metadata: { ...metadata, generation: marker },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/hostile' } }],
              backendRefs: [{ name, port: 80 }],
            },
          ],
        },
      };
    case 'VirtualService':
      return {
        apiVersion,
        kind,
        metadata: { ...metadata, generation: marker },
        spec: {
          hosts: [name],
          http: [
            {
              match: [{ uri: { prefix: '/hostile' } }],
              route: [{ destination: { host: name, port: { number: 80 } } }],
              timeout: '5s',
            },
          ],
        },
      };
    case 'DestinationRule':
      return {
        apiVersion,
        kind,
        metadata: { ...metadata, generation: marker },
        spec: {
          host: name,
          trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } },
          subsets: [{ name: 'v1', labels: { version: 'v1' } }],
        },
      };
  }
}

export function refOf(kind: KindName, name: string, namespace = HOSTILE_NAMESPACE): ObjectRef {
  return kind === 'Namespace' ? { kind, name } : { kind, namespace, name };
}

// ---------------------------------------------------------------------------------------------------
// The fields a case may damage: where they are, what they hold, and whether they are required.

type FieldType =
  | 'port'
  | 'count'
  | 'string'
  | 'name'
  | 'ip'
  | 'enum'
  | 'duration'
  | 'list'
  | 'map'
  | 'labels'
  | 'label-value'
  | 'bool'
  | 'port-or-name';

interface Slot {
  readonly path: readonly (string | number)[];
  readonly type: FieldType;
  /** Leaving the field out is an error. */
  readonly required: boolean;
  /** null is an error (it is for every required field, and for a label's value). */
  readonly nullIsError: boolean;
}

/** `flags`: 'R' required (and so not null), 'N' optional but not null, '' optional. */
const slot = (type: FieldType, flags: 'R' | 'N' | '', ...path: (string | number)[]): Slot => ({
  path,
  type,
  required: flags === 'R',
  nullIsError: flags !== '',
});

const SLOTS: Readonly<Record<KindName, readonly Slot[]>> = {
  Namespace: [
    slot('labels', '', 'metadata', 'labels'),
    slot('label-value', 'N', 'metadata', 'labels', 'team'),
  ],
  Service: [
    slot('map', 'R', 'spec'),
    slot('list', 'R', 'spec', 'ports'),
    slot('map', 'R', 'spec', 'ports', 0),
    slot('port', 'R', 'spec', 'ports', 0, 'port'),
    slot('name', '', 'spec', 'ports', 0, 'name'),
    slot('enum', '', 'spec', 'ports', 0, 'protocol'),
    slot('port-or-name', '', 'spec', 'ports', 0, 'targetPort'),
    slot('ip', '', 'spec', 'clusterIP'),
    slot('labels', '', 'spec', 'selector'),
    slot('label-value', 'N', 'spec', 'selector', 'app'),
    slot('enum', '', 'spec', 'type'),
  ],
  Pod: [
    slot('map', 'R', 'spec'),
    slot('list', 'R', 'spec', 'containers'),
    slot('map', 'R', 'spec', 'containers', 0),
    slot('list', '', 'spec', 'containers', 0, 'ports'),
    slot('port', 'R', 'spec', 'containers', 0, 'ports', 0, 'containerPort'),
    slot('name', '', 'spec', 'containers', 0, 'ports', 0, 'name'),
    slot('ip', '', 'status', 'podIP'),
    slot('labels', '', 'metadata', 'labels'),
    slot('label-value', 'N', 'metadata', 'labels', 'app'),
  ],
  EndpointSlice: [
    slot('enum', 'R', 'addressType'),
    slot('label-value', 'R', 'metadata', 'labels', 'kubernetes.io/service-name'),
    slot('list', '', 'ports'),
    slot('map', 'R', 'ports', 0),
    slot('port', '', 'ports', 0, 'port'),
    slot('enum', '', 'ports', 0, 'protocol'),
    slot('list', '', 'endpoints'),
    slot('map', 'R', 'endpoints', 0),
    slot('list', 'R', 'endpoints', 0, 'addresses'),
    slot('ip', 'R', 'endpoints', 0, 'addresses', 0),
    slot('map', '', 'endpoints', 0, 'conditions'),
    slot('bool', '', 'endpoints', 0, 'conditions', 'ready'),
  ],
  HTTPRoute: [
    slot('map', 'R', 'spec'),
    slot('list', '', 'spec', 'rules'),
    slot('list', '', 'spec', 'rules', 0, 'backendRefs'),
    slot('string', 'R', 'spec', 'rules', 0, 'backendRefs', 0, 'name'),
    slot('port', '', 'spec', 'rules', 0, 'backendRefs', 0, 'port'),
    slot('enum', '', 'spec', 'rules', 0, 'matches', 0, 'path', 'type'),
    slot('string', '', 'spec', 'rules', 0, 'matches', 0, 'path', 'value'),
    slot('string', 'R', 'spec', 'parentRefs', 0, 'name'),
  ],
  VirtualService: [
    slot('map', 'R', 'spec'),
    slot('list', '', 'spec', 'hosts'),
    slot('string', 'R', 'spec', 'hosts', 0),
    slot('list', '', 'spec', 'http'),
    slot('duration', '', 'spec', 'http', 0, 'timeout'),
    slot('list', '', 'spec', 'http', 0, 'route'),
    slot('string', 'R', 'spec', 'http', 0, 'route', 0, 'destination', 'host'),
    slot('port', '', 'spec', 'http', 0, 'route', 0, 'destination', 'port', 'number'),
    slot('string', '', 'spec', 'http', 0, 'match', 0, 'uri', 'prefix'),
  ],
  DestinationRule: [
    slot('map', 'R', 'spec'),
    slot('string', 'R', 'spec', 'host'),
    slot('list', '', 'spec', 'subsets'),
    slot('name', 'R', 'spec', 'subsets', 0, 'name'),
    slot('labels', '', 'spec', 'subsets', 0, 'labels'),
    slot('count', '', 'spec', 'trafficPolicy', 'connectionPool', 'tcp', 'maxConnections'),
  ],
};

const HUGE = 100 * 1024;

/** Values of another type than the field holds: each one an error. */
function wrongTypes(type: FieldType): readonly Json[] {
  switch (type) {
    case 'port':
    case 'count':
      return ['80', '', 'eighty', true, {}, [], [80], { number: 80 }];
    case 'string':
    case 'name':
    case 'ip':
    case 'enum':
    case 'duration':
      return [5, 0, -1, true, false, {}, [], ['x'], { value: 'x' }];
    case 'label-value':
      return [5, true, {}, [], ['x']];
    case 'list':
      return [{}, 'x', '', 5, true, { 0: 'x' }];
    case 'map':
      return ['x', '', 5, true, [], [{}]];
    case 'labels':
      return ['x', 5, true, [], ['a=b']];
    case 'bool':
      return ['yes', 'true', 1, 0, {}, []];
    case 'port-or-name':
      return [true, {}, [], [8080], { port: 8080 }];
  }
}

/** Values of the field's type that no parser may accept; undefined when the type has none tried here. */
function badValues(type: FieldType): readonly Json[] | undefined {
  switch (type) {
    case 'port':
      return [0, -1, -80, 65536, 1.5, 1e21, -1e21, 2 ** 53 + 2, Number.MAX_VALUE];
    case 'count':
      return [-1, 1.5, -1e21, 1e21, 2 ** 53 + 2];
    case 'name':
      return ['Not_A_Name', 'UPPER', '-dash', 'a'.repeat(64), 'has space', 'dot.ted.', '☃'];
    case 'ip':
      return ['not-an-ip', '999.1.1.1', '10.0.0', '::g', '10.0.0.1/24'];
    case 'enum':
      return ['Bogus', 'tcp ', 'HTTP/1.1', 'ipv4', '*'];
    case 'duration':
      return ['5 seconds', '-1s', '1.5.5s', 'forever', 's', '5'];
    case 'label-value':
      return ['a'.repeat(64), 'bad value!', '-x', 'x-', 'new\nline'];
    case 'port-or-name':
      return [-1, 1.5, 65536, 1e21, 'Not_A_Port', 'http--web', 'a'.repeat(16)];
    default:
      return undefined;
  }
}

/** A mapping (or list) nested `depth` levels deep. */
function deepJunk(rng: Rng, depth: number): Json {
  const lists = rng() < 0.4;
  let value: Json = rng() < 0.5 ? 'bottom' : 1;
  for (let i = 0; i < depth; i++) value = lists ? [value] : { [`k${i % 7}`]: value };
  return value;
}

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Sets (or with `undefined` deletes) the field at `path`. */
function setAt(object: Obj, path: readonly (string | number)[], value: Json | undefined): Obj {
  let current: Json = object;
  for (const key of path.slice(0, -1)) current = (current as Record<string | number, Json>)[key]!;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(current)) current.splice(Number(last), 1);
    else delete (current as Record<string, Json>)[last];
  } else (current as Record<string | number, Json>)[last] = value;
  return object;
}

/** One damaged field: the object, the issue it must raise, and words for the description. */
interface Damage {
  readonly object: Obj;
  readonly issue: Omit<Extract<Expectation, { type: 'issue' }>, 'ref' | 'type'>;
  readonly what: string;
}

type DamageClass =
  | 'wrong-type'
  | 'bad-value'
  | 'null-required'
  | 'missing-field'
  | 'deep-junk'
  | 'huge-string';

/** A valid object of `kind` with one field damaged the way `cls` says. */
function damaged(rng: Rng, cls: DamageClass, kind: KindName, name: string, marker: number): Damage {
  const object = validObject(kind, name, marker);
  const slots = SLOTS[kind];
  const error = (fieldPath: string, exact = true, reasons?: readonly string[]) => ({
    fieldPath,
    exact,
    severity: 'error' as const,
    ...(reasons ? { reasons } : {}),
  });
  switch (cls) {
    case 'wrong-type': {
      const at = pick(rng, slots);
      const value = pick(rng, wrongTypes(at.type));
      // A list or mapping given a list or mapping of the wrong things is reported inside it.
      const inside =
        (at.type === 'labels' || at.type === 'map' || at.type === 'list') && typeof value === 'object';
      return {
        object: setAt(object, at.path, value),
        issue: error(formatPath(at.path), !inside),
        what: `${formatPath(at.path)} (${at.type}) = ${shown(value)}`,
      };
    }
    case 'bad-value': {
      const candidates = slots.filter((s) => badValues(s.type) !== undefined);
      const at = pick(rng, candidates);
      const value = pick(rng, badValues(at.type)!);
      return {
        object: setAt(object, at.path, value),
        issue: error(formatPath(at.path)),
        what: `${formatPath(at.path)} (${at.type}) = ${shown(value)}`,
      };
    }
    case 'null-required':
    case 'missing-field': {
      const gone = cls === 'missing-field';
      const at = pick(
        rng,
        slots.filter((s) => (gone ? s.required : s.nullIsError) && typeof s.path.at(-1) === 'string'),
      );
      return {
        object: setAt(object, at.path, gone ? undefined : null),
        issue: error(formatPath(at.path), true),
        what: `${formatPath(at.path)} ${gone ? 'left out' : '= null'}`,
      };
    }
    case 'deep-junk': {
      const at = pick(
        rng,
        slots.filter((s) => s.type !== 'map'),
      );
      const depth = int(rng, 20, 1500);
      const value = deepJunk(rng, depth);
      const inside = at.type === 'labels' || at.type === 'list';
      return {
        object: setAt(object, at.path, value),
        issue: error(formatPath(at.path), !inside),
        what: `${formatPath(at.path)} (${at.type}) = junk nested ${depth} levels deep`,
      };
    }
    case 'huge-string': {
      // Only where no 100 KB string can be valid.
      const at = pick(
        rng,
        slots.filter((s) =>
          [
            'port',
            'count',
            'name',
            'ip',
            'enum',
            'duration',
            'label-value',
            'port-or-name',
            'bool',
            'list',
            'map',
            'labels',
          ].includes(s.type),
        ),
      );
      const value = pick(rng, ['x', '1', 'a-', '9.'])
        .repeat(HUGE)
        .slice(0, HUGE - int(rng, 0, 10));
      return {
        object: setAt(object, at.path, value),
        issue: error(formatPath(at.path)),
        what: `${formatPath(at.path)} (${at.type}) = a ${value.length}-character string`,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The cases.

const UNKNOWN_KINDS: readonly [string, string][] = [
  ['apps/v1', 'Deployment'],
  ['v1', 'ConfigMap'],
  ['example.com/v1', 'Frobnicator'],
  ['gateway.networking.k8s.io/v1', 'Gateway'],
  ['v1', ''],
  ['', 'Service'],
];

const OTHER_VERSIONS: Readonly<Record<KindName, readonly string[]>> = {
  Namespace: ['v2', 'core/v1'],
  Service: ['v2', 'v1beta1', 'serving.knative.dev/v1'],
  Pod: ['v2', 'apps/v1'],
  EndpointSlice: ['discovery.k8s.io/v1beta1', 'v1'],
  HTTPRoute: ['gateway.networking.k8s.io/v1beta1', 'gateway.networking.k8s.io/v1alpha2'],
  VirtualService: ['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'],
  DestinationRule: ['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'],
};

/** Objects client-node's informer cannot file, and what the source must say about each. */
const UNFILEABLE: readonly [Json, string][] = [
  [null, 'object: must be a mapping, not null'],
  ['Service', 'object: must be a mapping, not "Service"'],
  [42, 'object: must be a mapping, not 42'],
  [[], 'object: must be a mapping, not an empty list'],
  [[{ metadata: { name: 'x' } }], 'object: must be a mapping, not a list'],
  [{}, 'object.metadata: must be a mapping, not nothing'],
  [{ metadata: null }, 'object.metadata: must be a mapping, not null'],
  [{ metadata: 'hostile/x' }, 'object.metadata: must be a mapping, not "hostile/x"'],
  [{ metadata: [{ name: 'x' }] }, 'object.metadata: must be a mapping, not a list'],
  [{ metadata: { name: 5, namespace: HOSTILE_NAMESPACE } }, 'object.metadata.name: must be a string, not 5'],
  [{ metadata: { name: { a: 1 } } }, 'object.metadata.name: must be a string, not a mapping'],
  [{ metadata: { name: ['x'] } }, 'object.metadata.name: must be a string, not a list'],
  [{ metadata: { name: true } }, 'object.metadata.name: must be a string, not true'],
  [{ metadata: { name: 'x', namespace: 7 } }, 'object.metadata.namespace: must be a string, not 7'],
  [{ metadata: { name: 'x', namespace: {} } }, 'object.metadata.namespace: must be a string, not a mapping'],
  [
    { metadata: { name: 'x', resourceVersion: 12 } },
    'object.metadata.resourceVersion: must be a string, not 12',
  ],
];

const JUNK_BOOKMARKS: readonly [Json, string][] = [
  [null, 'a BOOKMARK event was ignored: object: must be a mapping, not null'],
  ['bookmark', 'a BOOKMARK event was ignored: object: must be a mapping, not "bookmark"'],
  [[1, 2], 'a BOOKMARK event was ignored: object: must be a mapping, not a list'],
  [{}, 'a BOOKMARK event was ignored: object.metadata: must be a mapping, not nothing'],
  [{ metadata: 5 }, 'object.metadata: must be a mapping, not 5'],
  [{ metadata: {} }, 'object.metadata.resourceVersion: must be a non-empty string, not nothing'],
  [
    { metadata: { resourceVersion: '' } },
    'object.metadata.resourceVersion: must be a non-empty string, not ""',
  ],
  [
    { metadata: { resourceVersion: 12 } },
    'object.metadata.resourceVersion: must be a non-empty string, not 12',
  ],
  [
    { metadata: { resourceVersion: null } },
    'object.metadata.resourceVersion: must be a non-empty string, not null',
  ],
  [{ metadata: { resourceVersion: { v: 1 } } }, 'must be a non-empty string, not a mapping'],
];

const BAD_TYPES: readonly [Json | undefined, string][] = [
  ['SURPRISE', 'an event of type "SURPRISE" was ignored'],
  ['added', 'an event of type "added" was ignored'],
  ['Modified', 'an event of type "Modified" was ignored'],
  ['', 'an event of type "" was ignored'],
  [5, 'an event of type 5 was ignored'],
  [null, 'an event of type null was ignored'],
  [undefined, 'an event of type nothing was ignored'],
  [['ADDED'], 'an event of type a list was ignored'],
];

const MALFORMED_LINES: readonly string[] = [
  '',
  '   ',
  'not json',
  '{"type":"ADDED","object":{"metadata":',
  '{"type":"ADDED","object":{"metadata":{"name":"x"}}}}',
  '{"type": ADDED}',
  "{'type': 'ADDED'}",
  'null',
  '\u0000\u0001\u0002',
  '{"type":"DELETED","object":{"metadata":{"name":"x","namespace":"hostile"}}',
  '\ufeff{"type":"ADDED"',
  ']',
  'NaN',
  `{"type":"ADDED","object":${'['.repeat(200)}`,
];

const ERROR_STATUSES: readonly [Json, string][] = [
  [
    {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
      message: 'etcdserver: leader changed',
    },
    '500 InternalError "etcdserver: leader changed"',
  ],
  [
    { kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'the server is shutting down' },
    '503 ServiceUnavailable "the server is shutting down"',
  ],
  [
    { kind: 'Status', code: 403, reason: 'Forbidden', message: 'watch is forbidden' },
    '403 Forbidden "watch is forbidden"',
  ],
  [{ kind: 'Status', code: 429, reason: 'TooManyRequests' }, '429 TooManyRequests'],
  [{ code: '410', reason: 'Expired' }, 'Expired'],
  [{ message: 'x'.repeat(5000) }, `"${'x'.repeat(60)}…"`],
  [null, 'not a Status but null'],
  ['boom', 'not a Status but "boom"'],
  [{}, 'not a Status but a mapping'],
  [[{ code: 500 }], 'not a Status but a list'],
];

const JUNK_VERSIONS: readonly string[] = ['junk', '-1', '1.5', 'abc123', 'rv:12', '12 13'];

function kindFor(rng: Rng, cls: HostileEventClass): KindName {
  // No Namespace without a name: two at once would be the same cluster-scoped object.
  if (cls === 'missing-name')
    return pick(
      rng,
      KIND_NAMES.filter((k) => k !== 'Namespace'),
    );
  // A Namespace has no spec, and no field it cannot do without but its name.
  if (cls === 'missing-spec' || cls === 'missing-field')
    return pick(
      rng,
      KIND_NAMES.filter((k) => k !== 'Namespace'),
    );
  return pick(rng, KIND_NAMES);
}

function drawClass(rng: Rng): HostileEventClass {
  const total = CLASSES.reduce((sum, c) => sum + WEIGHTS[c], 0);
  let at = rng() * total;
  for (const c of CLASSES) {
    at -= WEIGHTS[c];
    if (at < 0) return c;
  }
  return 'valid-burst';
}

const marker = (rng: Rng): number => int(rng, 1000, 60_000);

/** The case `index` of `seed`: the same on every machine. */
export function generateEventCase(seed: number, index: number): HostileEventCase {
  const rng = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const cls = drawClass(rng);
  const kind = kindFor(rng, cls);
  const name = `h${index}`;
  const ref = refOf(kind, name);
  const label = labelOf(kind);
  const base = { seed, index, cls, disruptive: false };
  const made = (
    c: Omit<HostileEventCase, 'seed' | 'index' | 'cls' | 'disruptive'> & { disruptive?: boolean },
  ) => ({
    ...base,
    ...c,
    description: `${cls}: ${kind} ${ref.namespace ? `${ref.namespace}/` : ''}${name}: ${c.description}`,
  });

  switch (cls) {
    case 'wrong-type':
    case 'bad-value':
    case 'null-required':
    case 'missing-field':
    case 'deep-junk':
    case 'huge-string': {
      const d = damaged(rng, cls, kind, name, marker(rng));
      return made({
        description: d.what,
        steps: [{ op: 'apply', object: d.object }],
        expect: [{ type: 'issue', ref, ...d.issue }, ...notServedIfCore(ref)],
        cleanup: [{ op: 'remove', object: d.object }],
        objects: [ref],
      });
    }
    case 'missing-spec': {
      const object = validObject(kind, name, marker(rng));
      const field = kind === 'EndpointSlice' ? 'addressType' : 'spec';
      delete object[field];
      return made({
        description: `no ${field}`,
        steps: [{ op: 'apply', object }],
        expect: [
          { type: 'issue', ref, fieldPath: field, exact: true, severity: 'error', reasons: ['MissingField'] },
          ...notServedIfCore(ref),
        ],
        cleanup: [{ op: 'remove', object }],
        objects: [ref],
      });
    }
    case 'missing-name': {
      // The store cannot hold an object without a name: the event goes to the watch alone.
      const namespace = `nameless-${index}`;
      const object = validObject(kind, name, marker(rng), namespace);
      const metadata = object.metadata as Obj;
      const empty = rng() < 0.3;
      if (empty) metadata.name = '';
      else delete metadata.name;
      const nameless = refOf(kind, '', namespace);
      return made({
        description: empty ? 'metadata.name = ""' : 'no metadata.name',
        steps: [{ op: 'raw', kind, event: { type: 'ADDED', object }, rv: 'now' }],
        expect: [
          { type: 'issue', ref: nameless, fieldPath: 'metadata.name', exact: true, severity: 'error' },
          ...notServedIfCore(nameless),
        ],
        cleanup: [rawDelete(kind, object)],
        objects: [nameless],
      });
    }
    case 'unknown-field': {
      const m = marker(rng);
      const object = validObject(kind, name, m);
      const key = pick(rng, [
        'extra',
        'frobnicate',
        'constructor',
        'toString',
        '__proto__',
        `x${'y'.repeat(80)}`,
        'spec',
        'Kind',
      ]);
      const value = pick<Json>(rng, [1, 'x', null, {}, [1, 2], { deep: { er: [true] } }]);
      const where = isRouting(kind)
        ? pick(rng, [
            ['spec'],
            [],
            ['metadata'],
            ...(kind === 'VirtualService' ? [['spec', 'http', 0]] : []),
            ...(kind === 'HTTPRoute' ? [['spec', 'rules', 0]] : []),
          ])
        : pick(rng, [
            [],
            ['metadata'],
            ...(kind === 'Namespace' ? [] : kind === 'EndpointSlice' ? [['endpoints', 0]] : [['spec']]),
          ]);
      // `spec` and `Kind` collide with real fields only at the top level.
      const at: (string | number)[] =
        where.length === 0 && (key === 'spec' || key === 'Kind') ? ['metadata'] : where;
      let container: Json = object;
      for (const segment of at) container = (container as Record<string | number, Json>)[segment]!;
      Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
      // Kept, and so reported, only in a routing kind's spec (the rest is trimmed away); the Gateway
      // API family reads a field set to null as not set at all (gateway-api/support.ts).
      const reported = isRouting(kind) && at[0] === 'spec' && !(kind === 'HTTPRoute' && value === null);
      const fieldPath = formatPath([...at, key]);
      return made({
        description: `unknown field ${fieldPath} = ${shown(value)}`,
        steps: [{ op: 'apply', object }],
        expect: reported
          ? [
              {
                type: 'issue',
                ref,
                fieldPath,
                exact: true,
                severity: 'warning',
                reasons: ['UnsupportedField'],
              },
              { type: 'served', ref, marker: m },
            ]
          : [{ type: 'served', ref, marker: m }],
        cleanup: [{ op: 'remove', object }],
        objects: [ref],
      });
    }
    case 'kind-mismatch':
    case 'unknown-kind':
    case 'api-version-mismatch': {
      let body: Obj;
      let field: 'kind' | 'apiVersion';
      if (cls === 'kind-mismatch') {
        const other = pick(
          rng,
          KIND_NAMES.filter((k) => k !== kind),
        );
        body = validObject(other, name, marker(rng));
        field = API_VERSIONS[other] === API_VERSIONS[kind] ? 'kind' : 'apiVersion';
      } else if (cls === 'unknown-kind') {
        const [apiVersion, otherKind] = pick(rng, UNKNOWN_KINDS);
        body = {
          apiVersion,
          kind: otherKind,
          metadata: { name, namespace: HOSTILE_NAMESPACE },
          spec: { replicas: 3 },
        };
        field = apiVersion === API_VERSIONS[kind] ? 'kind' : 'apiVersion';
      } else {
        body = validObject(kind, name, marker(rng));
        body.apiVersion = pick(rng, OTHER_VERSIONS[kind]);
        field = 'apiVersion';
      }
      const m = marker(rng);
      const existing = rng() < 0.4 ? validObject(kind, name, m) : undefined;
      const type = existing ? 'MODIFIED' : pick(rng, ['ADDED', 'MODIFIED']);
      if (kind === 'Namespace') delete (body.metadata as Obj).namespace;
      const bodyNamespace = (body.metadata as Obj).namespace;
      const namespaced = bodyNamespace ? `${bodyNamespace}/${name}` : name;
      const wanted = field === 'kind' ? kind : API_VERSIONS[kind];
      return made({
        description: `a ${type} event whose body is ${shown(body.apiVersion)} ${shown(body.kind)}${existing ? ', for an object served' : ''}`,
        steps: [
          ...(existing ? [{ op: 'apply' as const, object: existing }] : []),
          { op: 'raw', kind, event: { type, object: body }, rv: 'now' },
        ],
        expect: [
          {
            type: 'warned',
            words: [
              `the ${label} watch: ${type === 'ADDED' ? 'an' : 'a'} ${type} event for ${namespaced} was ignored: object.${field}: must be "${wanted}", the ${field} watched, not ${shown(body[field])}`,
            ],
          },
          existing ? { type: 'served', ref, marker: m } : { type: 'absent', ref },
        ],
        cleanup: existing ? [{ op: 'remove', object: existing }] : [],
        objects: [ref],
      });
    }
    case 'unfileable-object': {
      const [object, words] = pick(rng, UNFILEABLE);
      const type = pick(rng, ['ADDED', 'MODIFIED', 'DELETED']);
      return made({
        description: `a ${type} event carrying ${shown(object)}`,
        steps: [{ op: 'raw', kind, event: { type, object } }],
        expect: [
          {
            type: 'warned',
            words: [
              `the ${label} watch: ${type === 'ADDED' ? 'an' : 'a'} ${type} event was ignored: ${words}`,
            ],
          },
        ],
        cleanup: [],
        objects: [],
      });
    }
    case 'delete-unknown': {
      const object =
        rng() < 0.7 ? validObject(kind, name, marker(rng)) : damaged(rng, 'wrong-type', kind, name, 1).object;
      return made({
        description: 'a DELETED event for an object never added',
        steps: [{ op: 'raw', kind, event: { type: 'DELETED', object }, rv: 'now' }],
        expect: [{ type: 'absent', ref }],
        cleanup: [],
        objects: [ref],
      });
    }
    case 'delete-twice': {
      const invalid = rng() < 0.5;
      const object = invalid
        ? damaged(rng, 'wrong-type', kind, name, 1).object
        : validObject(kind, name, marker(rng));
      const rawFirst = rng() < 0.3;
      return made({
        description: `${invalid ? 'an invalid' : 'a valid'} object deleted twice${rawFirst ? ' (first by a DELETED event the store did not send)' : ''}`,
        steps: rawFirst
          ? [{ op: 'apply', object }, rawDelete(kind, object), { op: 'remove', object }]
          : [{ op: 'apply', object }, { op: 'remove', object }, rawDelete(kind, object)],
        expect: [{ type: 'absent', ref }],
        cleanup: [],
        objects: [ref],
      });
    }
    case 'modified-before-added': {
      const first = rng() < 0.5 ? damaged(rng, 'wrong-type', kind, name, marker(rng)) : undefined;
      const early = first?.object ?? validObject(kind, name, marker(rng));
      const lateInvalid = !first && rng() < 0.4;
      const m = marker(rng);
      const late = lateInvalid ? damaged(rng, 'wrong-type', kind, name, m) : undefined;
      const object = late?.object ?? validObject(kind, name, m);
      return made({
        description: `MODIFIED (${first ? `invalid: ${first.what}` : 'valid'}) before ADDED (${late ? `invalid: ${late.what}` : 'valid'})`,
        steps: [
          { op: 'raw', kind, event: { type: 'MODIFIED', object: early }, rv: 'now' },
          { op: 'apply', object },
        ],
        expect: late
          ? [{ type: 'issue', ref, ...late.issue }, ...notServedIfCore(ref)]
          : [{ type: 'served', ref, marker: m }],
        cleanup: [{ op: 'remove', object }],
        objects: [ref],
      });
    }
    case 'stale-event': {
      const old = marker(rng);
      const older = validObject(kind, name, old);
      const newer = validObject(kind, name, old + 1);
      const deleted = rng() < 0.3;
      // Kubernetes clients cannot order resourceVersions: the last event received wins.
      return made({
        description: deleted
          ? 'a DELETED event at an older resourceVersion than the object served'
          : 'a MODIFIED event at an older resourceVersion, with the older content',
        steps: [
          { op: 'apply', object: older },
          { op: 'apply', object: newer },
          deleted
            ? { op: 'raw', kind, event: { type: 'DELETED', object: older }, rv: 0 }
            : { op: 'raw', kind, event: { type: 'MODIFIED', object: older }, rv: 0 },
        ],
        expect: deleted ? [{ type: 'absent', ref }] : [{ type: 'served', ref, marker: old }],
        cleanup: [{ op: 'remove', object: newer }],
        objects: [ref],
      });
    }
    case 'junk-bookmark': {
      const [object, words] = pick(rng, JUNK_BOOKMARKS);
      return made({
        description: `a BOOKMARK carrying ${shown(object)}`,
        steps: [{ op: 'raw', kind, event: { type: 'BOOKMARK', object } }],
        expect: [{ type: 'warned', words: [`the ${label} watch: `, words] }],
        cleanup: [],
        objects: [],
      });
    }
    case 'bad-event-type': {
      const [type, words] = pick(rng, BAD_TYPES);
      const object = validObject(kind, name, marker(rng));
      const event: Obj = type === undefined ? { object } : { type, object };
      return made({
        description: `an event of type ${shown(type)}`,
        steps: [{ op: 'raw', kind, event, rv: 'now' }],
        expect: [
          { type: 'warned', words: [`the ${label} watch: ${words}`] },
          { type: 'absent', ref },
        ],
        cleanup: [],
        objects: [ref],
      });
    }
    case 'gone-without-end': {
      // A 410 that does not end the stream: the informer forgets its resourceVersion until the next event.
      return made({
        description: 'an ERROR 410 event on a watch that goes on',
        steps: [
          {
            op: 'raw',
            kind,
            event: {
              type: 'ERROR',
              object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
            },
          },
        ],
        expect: [],
        cleanup: [],
        objects: [],
      });
    }
    case 'malformed-line': {
      const text = pick(rng, MALFORMED_LINES);
      return made({
        description: `the line ${shown(text)}`,
        steps: [{ op: 'line', kind, text }],
        expect: [],
        cleanup: [],
        objects: [],
      });
    }
    case 'error-event': {
      const [object, words] = pick(rng, ERROR_STATUSES);
      return made({
        description: `an ERROR event carrying ${shown(object)}`,
        steps: [{ op: 'raw', kind, event: { type: 'ERROR', object } }],
        expect: [
          {
            type: 'restarted',
            kind,
            words: [
              `the ${label} informer failed; restarting it`,
              'the API server ended the watch with an ERROR event: ',
              words,
            ],
          },
        ],
        cleanup: [],
        objects: [],
        disruptive: true,
      });
    }
    case 'junk-resource-version': {
      const version = pick(rng, JUNK_VERSIONS);
      return made({
        description: `a BOOKMARK at resourceVersion ${shown(version)}, then every watch ends`,
        steps: [
          {
            op: 'raw',
            kind,
            event: {
              type: 'BOOKMARK',
              object: { apiVersion: API_VERSIONS[kind], kind, metadata: { resourceVersion: version } },
            },
          },
          { op: 'end-watches' },
        ],
        expect: [
          {
            type: 'warned',
            words: [
              `the ${label} watch: the watch from resourceVersion ${JSON.stringify(version)} was refused (HTTP 400): listing again`,
            ],
          },
        ],
        cleanup: [],
        objects: [],
        disruptive: true,
      });
    }
    case 'valid-burst': {
      const count = int(rng, 3, 12);
      let m = marker(rng);
      const steps: Step[] = [];
      let object = validObject(kind, name, m);
      for (let i = 0; i < count; i++) {
        m = i === 0 ? m : ((m + int(rng, 1, 50)) % 60_000) + 1000;
        object = validObject(kind, name, m);
        steps.push({ op: 'apply', object });
      }
      return made({
        description: `${count} valid writes in a row`,
        steps,
        expect: [{ type: 'served', ref, marker: m }],
        cleanup: [{ op: 'remove', object }],
        objects: [ref],
      });
    }
    case 'invalid-then-valid': {
      const d = damaged(
        rng,
        pick(rng, ['wrong-type', 'bad-value', 'null-required'] as const),
        kind,
        name,
        marker(rng),
      );
      const m = marker(rng);
      const object = validObject(kind, name, m);
      return made({
        description: `invalid (${d.what}), then valid`,
        steps: [
          { op: 'apply', object: d.object },
          { op: 'apply', object },
        ],
        expect: [{ type: 'served', ref, marker: m }],
        cleanup: [{ op: 'remove', object }],
        objects: [ref],
      });
    }
    case 'valid-then-invalid': {
      const valid = validObject(kind, name, marker(rng));
      const d = damaged(
        rng,
        pick(rng, ['wrong-type', 'bad-value', 'deep-junk'] as const),
        kind,
        name,
        marker(rng),
      );
      return made({
        description: `valid, then invalid (${d.what})`,
        steps: [
          { op: 'apply', object: valid },
          { op: 'apply', object: d.object },
        ],
        expect: [{ type: 'issue', ref, ...d.issue }, ...notServedIfCore(ref)],
        cleanup: [{ op: 'remove', object: d.object }],
        objects: [ref],
      });
    }
  }
}

/** An invalid core object is not served (an invalid routing object's status says so instead). */
function notServedIfCore(ref: ObjectRef): Expectation[] {
  return isRouting(ref.kind) ? [] : [{ type: 'not-served', ref }];
}

function rawDelete(kind: KindName, object: Obj): Step {
  return { op: 'raw', kind, event: { type: 'DELETED', object: clone(object) }, rv: 'now' };
}
