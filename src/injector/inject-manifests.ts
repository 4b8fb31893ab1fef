// `trellis inject -f FILE`: the same injection as the webhook, applied offline to the pod templates
// of a manifest stream (like `istioctl kube-inject`). Every document comes out in order; a workload
// gets its pod template injected, anything else is passed through untouched. A document that
// cannot be injected is passed through too, and the reason goes to the report.
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments, stringify } from 'yaml';
import { INJECT_NAMESPACE_LABEL } from './inject-decision.js';
import { type InjectionParts, type InjectorConfig, injectPod } from './pod-patch.js';
import { type JsonObject, readPod } from './pod-view.js';

/** Where each kind keeps its pod template (a Pod is its own template). */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface InjectReport {
  /** The manifests, injected, as YAML documents. */
  readonly output: string;
  /** One line per document that was not injected or was injected with a warning. */
  readonly notes: readonly string[];
  /** Documents that could not be read at all (YAML errors). */
  readonly errors: readonly string[];
}

// A manifest stream for offline injection is a user's file; bound it like the file source does.
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function injectManifests(text: string, config: InjectorConfig, parts: InjectionParts): InjectReport {
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
    return { output: '', notes: [], errors: [`the input is over ${MAX_INPUT_BYTES} bytes`] };
  const notes: string[] = [];
  const errors: string[] = [];
  const out: string[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      errors.push(`document ${index}: ${doc.errors[0]!.message}`);
      return;
    }
    // An alias bomb is refused by the yaml package once it expands past this many aliases.
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    out.push(stringify(injectDocument(value, index, config, parts, notes)));
  });
  return { output: out.join('---\n'), notes, errors };
}

function injectDocument(
  value: unknown,
  index: number,
  config: InjectorConfig,
  parts: InjectionParts,
  notes: string[],
): unknown {
  if (!isObject(value) || typeof value.kind !== 'string') return value;
  const path = TEMPLATE_PATHS[value.kind];
  if (!path) return value;
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const name = `${value.kind} ${typeof metadata.name === 'string' ? metadata.name : '(unnamed)'} (document ${index})`;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
  const template = path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
  const pod = readPod(template, namespace);
  if (!pod.ok) {
    notes.push(`${name}: not injected: ${pod.errors.join('; ')}`);
    return value;
  }
  // Offline, the namespace's label is not known: injecting is what was asked for, unless the pod
  // opts out by annotation.
  const outcome = injectPod(pod.value, { [INJECT_NAMESPACE_LABEL]: 'enabled' }, config, parts);
  if (!outcome.ok) {
    notes.push(`${name}: not injected: ${outcome.errors.join('; ')}`);
    return value;
  }
  if (!outcome.value.injected) {
    notes.push(`${name}: not injected: ${outcome.value.reason}`);
    return value;
  }
  for (const warning of outcome.value.warnings) notes.push(`${name}: ${warning}`);
  const injected = jsonpatch.applyPatch(
    structuredClone(template),
    outcome.value.patch as jsonpatch.Operation[],
    true,
    false,
  ).newDocument;
  return path.length === 0 ? injected : setAt(structuredClone(value), path, injected);
}

function setAt(root: JsonObject, path: readonly string[], value: unknown): JsonObject {
  let node: JsonObject = root;
  for (const key of path.slice(0, -1)) node = node[key] as JsonObject;
  node[path.at(-1)!] = value as JsonObject;
  return root;
}
