// A content hash of the parts of a mesh a translation part reads. Equal hashes say the part would
// translate to the same resources, so its earlier compilation can be kept.
//
// The model is immutable, and the sources keep the objects of what did not change (a new state
// after an endpoint change holds the same Service, Pod and other EndpointSlice objects, in a new
// array). So a hash is kept per object, and an array's hash is made of its items' hashes: after a
// change only the objects that are new are written out and hashed, not the whole mesh again.
import { createHash } from 'node:crypto';
import { type Mesh, meshConfigOf } from '../model/mesh.js';
import { headlessEndpointSlices, type MeshField } from './translate/translation-parts.js';

const hashes = new WeakMap<object, string>();
const NONE: readonly never[] = [];

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/**
 * The content hash of a model value. A plain object is hashed from its JSON, an array from its
 * items' hashes; either is computed once per object. A hash never reads as JSON (it has no quotes,
 * brackets or braces), so an item's hash and a primitive item's JSON cannot be mistaken for each other.
 */
export function contentHash(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const known = hashes.get(value);
  if (known !== undefined) return known;
  const hash = Array.isArray(value)
    ? digest(`[${value.map(contentHash).join(',')}]`)
    : digest(JSON.stringify(value));
  hashes.set(value, hash);
  return hash;
}

const fingerprints = new WeakMap<Mesh, Map<readonly MeshField[], string>>();
const MAX_READS_PER_MESH = 64;

/** Equal fingerprints: equal content in every field of `reads`. Kept per mesh and `reads` array. */
export function meshFingerprint(mesh: Mesh, reads: readonly MeshField[]): string {
  let ofMesh = fingerprints.get(mesh);
  if (!ofMesh) {
    ofMesh = new Map();
    fingerprints.set(mesh, ofMesh);
  }
  let fingerprint = ofMesh.get(reads);
  if (fingerprint === undefined) {
    fingerprint = reads.map((field) => `${field}:${contentHash(fieldOf(mesh, field))}`).join(' ');
    // Parts name their reads with constant arrays; a caller that makes one per call is not kept.
    if (ofMesh.size < MAX_READS_PER_MESH) ofMesh.set(reads, fingerprint);
  }
  return fingerprint;
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

/**
 * A content hash of a translation unit's inputs (see TranslationUnit): a record, made fresh for
 * each unit, of model objects and arrays that are mostly those of the last state. Each field is
 * hashed on its own, so that an unchanged object costs a lookup, not writing it out again.
 */
export function inputsFingerprint(inputs: unknown): string {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) return contentHash(inputs);
  const fields = Object.entries(inputs).map(([key, value]) => `${JSON.stringify(key)}:${contentHash(value)}`);
  return digest(`{${fields.join(',')}}`);
}
