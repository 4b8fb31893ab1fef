// Offline validation of Kubernetes objects against the API's own OpenAPI schemas, as the API server
// would check them on `kubectl apply`:
// - types, required fields and formats with kubernetes-models (validators generated from the
//   Kubernetes OpenAPI spec, one module per group/version/kind);
// - unknown fields (a misspelt `readinesProbe` passes the schemas, which allow extra properties,
//   while the API server's strict field validation refuses it) with the field lists of
//   @kubernetes/client-node's models, generated from the same spec.
import * as k8s from '@kubernetes/client-node';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;
interface Attribute {
  baseName: string;
  type: string;
}
type ClientModel = { getAttributeTypeMap(): Attribute[] };

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version Kind name`, for messages. */
export function describeObject(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

async function schemaModel(o: KubeObject): Promise<ModelClass | undefined> {
  const { group, version } = groupVersion(o.apiVersion);
  const specifier = `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  try {
    const module = (await import(specifier)) as Record<string, ModelClass>;
    return module[o.kind];
  } catch {
    return undefined;
  }
}

const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);
const models = k8s as unknown as Record<string, ClientModel | undefined>;

/** Fields the API does not know, as JSON paths. */
function unknownFields(value: unknown, type: string, at: string, out: string[]): void {
  if (value === null || value === undefined || SCALARS.has(type)) return;
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (Array.isArray(value))
      for (const [i, v] of value.entries()) unknownFields(v, list[1]!, `${at}[${i}]`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as object)) unknownFields(v, map[1]!, `${at}.${k}`, out);
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') {
    out.push(`${at}: no field list for type ${type}`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return; // the schema check reports it
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const fieldType = attributes.get(k);
    if (fieldType === undefined) out.push(`${at}.${k}: unknown field`);
    else unknownFields(v, fieldType, `${at}.${k}`, out);
  }
}

/** Every problem the API server would report for `o`: schema errors and unknown fields. */
export async function validateObject(o: KubeObject): Promise<string[]> {
  const Model = await schemaModel(o);
  if (!Model) return [`${describeObject(o)}: no Kubernetes schema for this kind`];
  const errors: string[] = [];
  try {
    new Model(o).validate();
  } catch (err) {
    errors.push(`${describeObject(o)}: ${(err as Error).message}`);
  }
  const { version } = groupVersion(o.apiVersion);
  const clientType = `${version[0]!.toUpperCase()}${version.slice(1)}${o.kind}`;
  const unknown: string[] = [];
  unknownFields(o, clientType, '', unknown);
  for (const u of unknown) errors.push(`${describeObject(o)}: ${u}`);
  return errors;
}
