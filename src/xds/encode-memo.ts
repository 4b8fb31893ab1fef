// Encoding and validating a resource is the costly half of compiling a proxy, and most resources
// are the same for many proxies (every outbound cluster of every proxy that sees the service). So
// each distinct resource is encoded and checked once: the outcome is kept under a hash of the
// resource's JSON (translation builds it deterministically, so equal content gives equal text) in
// an LRU bounded by bytes. Failures are kept too: they are small, and re-checking them would cost
// as much as the first time.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Result } from '../model/result.js';
import { type CachedResource, contentHash } from './cache/snapshot.js';
import { type EncodedResource, encodeResource, type FieldError } from './envoy/resource-codec.js';

export const DEFAULT_ENCODE_CACHE_BYTES = 64 * 1024 * 1024;

export type EncodeOutcome =
  | {
      readonly ok: true;
      /** One object for every proxy whose translation produced this content. */
      readonly resource: CachedResource;
    }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export type Encode = (typeUrl: string, json: unknown) => Result<EncodedResource, FieldError>;

export interface EncodeMemoOptions {
  /** The most the memo holds, counting encoded bytes, names and error texts. 0 turns it off. */
  readonly maxBytes?: number;
  readonly encode?: Encode;
  /** Told of every lookup, hit or miss (for /metrics). */
  readonly onLookup?: (hit: boolean) => void;
}

export interface EncodeMemoStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

// Map node, key string and the outcome objects, roughly; what matters is that it is not zero.
const ENTRY_OVERHEAD_BYTES = 200;
const UTF16_BYTES = 2;

function sizeOf(outcome: EncodeOutcome): number {
  if (outcome.ok) {
    return (
      ENTRY_OVERHEAD_BYTES + outcome.resource.value.byteLength + outcome.resource.name.length * UTF16_BYTES
    );
  }
  let chars = 0;
  for (const e of outcome.errors) chars += e.path.length + e.message.length + (e.rule?.length ?? 0);
  return ENTRY_OVERHEAD_BYTES + chars * UTF16_BYTES;
}

/** A key for a resource's content, or undefined when it cannot be written as JSON (never memoised). */
function contentKey(typeUrl: string, name: string, json: unknown): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(json);
  } catch {
    return undefined;
  }
  return createHash('sha256')
    .update(typeUrl)
    .update('\n')
    .update(name)
    .update('\n')
    .update(text)
    .digest('base64');
}

export class EncodeMemo {
  private readonly cache: LRUCache<string, EncodeOutcome> | undefined;
  private readonly encodeFn: Encode;
  private readonly onLookup: ((hit: boolean) => void) | undefined;
  private hits = 0;
  private misses = 0;

  constructor(options: EncodeMemoOptions = {}) {
    const maxBytes = Math.floor(options.maxBytes ?? DEFAULT_ENCODE_CACHE_BYTES);
    this.encodeFn = options.encode ?? encodeResource;
    this.onLookup = options.onLookup;
    this.cache =
      maxBytes > 0
        ? new LRUCache<string, EncodeOutcome>({ maxSize: maxBytes, sizeCalculation: sizeOf })
        : undefined;
  }

  /** Encodes and validates `json` as a `typeUrl` resource named `name`, or returns the earlier outcome. */
  encode(typeUrl: string, name: string, json: unknown): EncodeOutcome {
    const key = this.cache ? contentKey(typeUrl, name, json) : undefined;
    const known = key === undefined ? undefined : this.cache?.get(key);
    if (known) {
      this.hits++;
      this.onLookup?.(true);
      return known;
    }
    this.misses++;
    this.onLookup?.(false);
    const encoded = this.encodeFn(typeUrl, json);
    const outcome: EncodeOutcome = encoded.ok
      ? {
          ok: true,
          resource: { name, version: contentHash(encoded.value.value), value: encoded.value.value },
        }
      : { ok: false, errors: encoded.errors };
    // An entry larger than the whole memo is not kept; lru-cache skips it by itself.
    if (key !== undefined) this.cache?.set(key, outcome);
    return outcome;
  }

  stats(): EncodeMemoStats {
    return {
      hits: this.hits,
      misses: this.misses,
      entries: this.cache?.size ?? 0,
      bytes: this.cache?.calculatedSize ?? 0,
    };
  }
}
