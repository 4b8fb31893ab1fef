// What the injector reads of a pod, read defensively: the pod comes from the API server, but its
// spec is whatever a user wrote (or a fuzzer). Nothing here throws; a shape we cannot read is an
// error naming the field, and the pod is then left alone (the webhook allows it with a warning).
import { fail, ok, type Result } from '../model/result.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ProbeView {
  /** The probe as written, to keep in an annotation. */
  readonly raw: JsonObject;
  /** httpGet.port as written: a number, or a container port's name. */
  readonly port: number | string;
  readonly path: string;
  readonly scheme: string;
}

export interface ContainerView {
  readonly name: string;
  /** Named TCP ports of the container: name → port, to resolve probes that name a port. */
  readonly namedPorts: ReadonlyMap<string, number>;
  readonly probes: Readonly<Partial<Record<ProbeKind, ProbeView>>>;
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';
export const PROBE_KINDS: readonly ProbeKind[] = ['livenessProbe', 'readinessProbe', 'startupProbe'];

export interface PodView {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly hostNetwork: boolean;
  readonly containers: readonly ContainerView[];
  /** How many of each list the spec has: absent lists are 0 and must be created by the patch. */
  readonly initContainerCount: number | undefined;
  readonly volumeCount: number | undefined;
  /** Whether the pod has metadata at all; a patch cannot add under a member that is missing. */
  readonly hasMetadata: boolean;
  readonly hasAnnotations: boolean;
  readonly hasLabels: boolean;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(value: unknown, path: string): Result<Record<string, string>, string> {
  if (value === undefined || value === null) return ok({});
  if (!isObject(value)) return fail([`${path} must be an object of strings`]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return fail([`${path}.${k} must be a string`]);
    out[k] = v;
  }
  return ok(out);
}

function listLength(value: unknown, path: string): Result<number | undefined, string> {
  if (value === undefined || value === null) return ok(undefined);
  if (!Array.isArray(value)) return fail([`${path} must be a list`]);
  return ok(value.length);
}

function probeOf(value: unknown): ProbeView | undefined {
  if (!isObject(value) || !isObject(value.httpGet)) return undefined;
  const { port, path, scheme } = value.httpGet;
  if (typeof port !== 'number' && typeof port !== 'string') return undefined;
  return {
    raw: value,
    port,
    path: typeof path === 'string' && path !== '' ? path : '/',
    scheme: typeof scheme === 'string' ? scheme : 'HTTP',
  };
}

function containerOf(value: unknown, index: number): Result<ContainerView, string> {
  const path = `spec.containers[${index}]`;
  if (!isObject(value)) return fail([`${path} must be an object`]);
  if (typeof value.name !== 'string' || value.name === '')
    return fail([`${path}.name must be a non-empty string`]);
  const namedPorts = new Map<string, number>();
  if (Array.isArray(value.ports))
    for (const p of value.ports)
      if (isObject(p) && typeof p.name === 'string' && typeof p.containerPort === 'number')
        namedPorts.set(p.name, p.containerPort);
  const probes: Partial<Record<ProbeKind, ProbeView>> = {};
  for (const kind of PROBE_KINDS) {
    const probe = probeOf(value[kind]);
    if (probe) probes[kind] = probe;
  }
  return ok({ name: value.name, namedPorts, probes });
}

/** Reads the pod, or says which field makes it unreadable. `namespace` is the request's. */
export function readPod(pod: unknown, namespace: string): Result<PodView, string> {
  if (!isObject(pod)) return fail(['the object is not a Pod (not a JSON object)']);
  const metadata = pod.metadata ?? {};
  if (!isObject(metadata)) return fail(['metadata must be an object']);
  const spec = pod.spec;
  if (!isObject(spec)) return fail(['spec must be an object']);
  const labels = stringMap(metadata.labels, 'metadata.labels');
  if (!labels.ok) return labels;
  const annotations = stringMap(metadata.annotations, 'metadata.annotations');
  if (!annotations.ok) return annotations;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0)
    return fail(['spec.containers must be a non-empty list']);
  const containers: ContainerView[] = [];
  for (const [i, c] of spec.containers.entries()) {
    const container = containerOf(c, i);
    if (!container.ok) return container;
    containers.push(container.value);
  }
  const initContainerCount = listLength(spec.initContainers, 'spec.initContainers');
  if (!initContainerCount.ok) return initContainerCount;
  const volumeCount = listLength(spec.volumes, 'spec.volumes');
  if (!volumeCount.ok) return volumeCount;
  // A pod created by a controller has generateName and no name yet; the downward API gives the
  // real one at run time, this one is for messages only.
  const name =
    typeof metadata.name === 'string' && metadata.name !== ''
      ? metadata.name
      : typeof metadata.generateName === 'string'
        ? `${metadata.generateName}*`
        : '(unnamed)';
  return ok({
    name,
    namespace,
    labels: labels.value,
    annotations: annotations.value,
    serviceAccount:
      typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== ''
        ? spec.serviceAccountName
        : 'default',
    hostNetwork: spec.hostNetwork === true,
    containers,
    initContainerCount: initContainerCount.value,
    volumeCount: volumeCount.value,
    hasMetadata: isObject(pod.metadata),
    hasAnnotations: isObject(metadata.annotations),
    hasLabels: isObject(metadata.labels),
  });
}
