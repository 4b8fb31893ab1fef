// What one proxy should have: per type URL, the encoded resources by name, each with a content hash.
// Only encoded, validated resources ever get here; the cache never looks inside the bytes.
import { createHash } from 'node:crypto';
import { LayeredMap } from './layered-map.js';

export interface CachedResource {
  readonly name: string;
  /** Content hash of `value`: equal bytes, equal version. */
  readonly version: string;
  /** The encoded resource: the `value` of the google.protobuf.Any sent on the wire. */
  readonly value: Uint8Array;
}

export interface Snapshot {
  /** type URL → resource name → resource. */
  readonly resources: ReadonlyMap<string, ReadonlyMap<string, CachedResource>>;
  /**
   * When the oldest source change this snapshot reflects was seen (`performance.now()` ms), so a
   * stream can time change seen → ACKed. Absent for a snapshot no change caused.
   */
  readonly changeStamp?: number;
}

export interface SnapshotResource {
  readonly typeUrl: string;
  readonly name: string;
  readonly value: Uint8Array;
}

// 16 hex digits (64 bits) keep versions short in logs and /debug/syncz; collisions are out of reach
// for the few thousand resources a proxy holds.
const HASH_HEX_DIGITS = 16;

const noResources: ReadonlyMap<string, CachedResource> = new Map();

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** Builds a snapshot; a name appearing twice within one type is a bug in whatever produced the list. */
export function buildSnapshot(resources: Iterable<SnapshotResource>): Snapshot {
  const byType = new Map<string, Map<string, CachedResource>>();
  for (const { typeUrl, name, value } of resources) {
    let ofType = byType.get(typeUrl);
    if (!ofType) {
      ofType = new Map();
      byType.set(typeUrl, ofType);
    }
    if (ofType.has(name)) throw new Error(`snapshot has two ${typeUrl} resources named "${name}"`);
    ofType.set(name, { name, version: contentHash(value), value });
  }
  return { resources: byType };
}

export function resourcesOfType(snapshot: Snapshot, typeUrl: string): ReadonlyMap<string, CachedResource> {
  return snapshot.resources.get(typeUrl) ?? noResources;
}

/**
 * The state-of-the-world version of a set of resources: a hash of their sorted names and content
 * versions. It depends only on what is sent, so an unrelated change leaves it as it was.
 */
export function sotwVersion(resources: Iterable<CachedResource>): string {
  const pairs = [...resources].map((r) => `${r.name}\u0000${r.version}`).sort();
  return createHash('sha256').update(pairs.join('\n')).digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** True when both hold the same names at the same versions. */
export function sameResources(
  a: ReadonlyMap<string, CachedResource>,
  b: ReadonlyMap<string, CachedResource>,
): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [name, resource] of b) if (a.get(name)?.version !== resource.version) return false;
  return true;
}

// A snapshot's map of one type is immutable and shared by every stream of a group (and kept across
// rebuilds while its content is unchanged), so the version of all of it is computed once per map.
const wholeVersions = new WeakMap<ReadonlyMap<string, CachedResource>, string>();

/**
 * The version of every resource in `resources`, once per map. A view over parts' maps (most of them
 * shared by every group) is versioned by its parts' versions: sorting and hashing a thousand names
 * per group at a cold start was redone for each of a thousand groups. Versions are opaque to
 * clients; the same content in another layering only costs a response that changes nothing.
 */
export function versionOfAll(resources: ReadonlyMap<string, CachedResource>): string {
  let version = wholeVersions.get(resources);
  if (version === undefined) {
    version =
      resources instanceof LayeredMap
        ? createHash('sha256')
            .update(resources.parts.map(versionOfAll).join('\n'))
            .digest('hex')
            .slice(0, HASH_HEX_DIGITS)
        : sotwVersion(resources.values());
    wholeVersions.set(resources, version);
  }
  return version;
}
