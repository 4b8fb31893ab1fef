// A content hash of the parts of a mesh a translation part reads. Every source change builds a
// whole new model (parsers run over every document), so object identity says nothing about what
// changed; equal hashes say the part would translate to the same resources, and its earlier
// compilation can be kept. Each field's hash is computed once per field value (a WeakMap on the
// array or object), so proxies and parts asking about one mesh share the work.
import { createHash } from 'node:crypto';
import { type Mesh, meshConfigOf } from '../model/mesh.js';
import { headlessEndpointSlices, type MeshField } from './translate/translation-parts.js';

const hashes = new WeakMap<object, string>();
const NONE: readonly never[] = [];

function fieldHash(value: object): string {
  const known = hashes.get(value);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(JSON.stringify(value)).digest('base64');
  hashes.set(value, hash);
  return hash;
}

/** Equal fingerprints: equal content in every field of `reads`. */
export function meshFingerprint(mesh: Mesh, reads: readonly MeshField[]): string {
  return reads.map((field) => `${field}:${fieldHash(fieldOf(mesh, field))}`).join(' ');
}

function fieldOf(mesh: Mesh, field: MeshField): object {
  switch (field) {
    case 'routeTables':
    case 'backendPolicies':
    case 'rateLimits':
      return mesh.routing[field];
    case 'peerAuthentications':
      return mesh.routing.peerAuthentications ?? NONE;
    case 'config':
      return meshConfigOf(mesh);
    case 'headlessEndpointSlices':
      return headlessEndpointSlices(mesh);
    default:
      return mesh[field];
  }
}

// Arrays this long (the pods of a whole mesh, say) are hashed once per array and stand in a unit's
// inputs by their hash, so that many units reading them do not each write them out again.
const LONG_ARRAY = 256;

/** A content hash of a translation unit's inputs (see TranslationUnit). */
export function inputsFingerprint(inputs: unknown): string {
  const text = JSON.stringify(inputs, (_key, value: unknown) =>
    Array.isArray(value) && value.length > LONG_ARRAY ? `#${fieldHash(value)}` : value,
  );
  return createHash('sha256')
    .update(text ?? '')
    .digest('base64');
}
