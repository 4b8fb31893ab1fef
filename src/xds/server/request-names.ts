// The resource names of a state-of-the-world DiscoveryRequest, decoded once per distinct list. A
// SotW client repeats its whole list on every ACK (a thousand ClusterLoadAssignment names, 47 kB,
// from each of a thousand sidecars per endpoint change), and most clients of a mesh send the same
// list. Decoding a thousand strings per ACK was a tenth of the server's time during endpoint
// changes; comparing the list's bytes with one decoded before costs a memcmp, and hands every
// stream the same array, which the stream then recognises by identity. Delta clients of a mesh
// subscribe to the same lists too (resource_names_subscribe is field 3 as well), and share one set
// of names by it (delta-subscription.ts).
//
// Only the field's bytes are looked at here, and only when the names are one run of entries (as
// every client writes them); anything else is left to the full decoder, which reports what is
// malformed.

/** DiscoveryRequest.resource_names and DeltaDiscoveryRequest.resource_names_subscribe, repeated strings. */
const RESOURCE_NAMES_FIELD = 3;
const LENGTH_DELIMITED = 2;
/** Lists shorter than this are decoded each time: keeping them would save nothing. */
const MIN_CACHED_BYTES = 1024;
/** The most bytes of lists kept, and the largest list kept. */
const MAX_CACHE_BYTES = 8 * 1024 * 1024;
const MAX_LIST_BYTES = 1024 * 1024;

export interface SplitRequest {
  /** The request without its resource_names entries. */
  readonly rest: Uint8Array;
  /** The resource_names entries, one run of bytes. */
  readonly names: Uint8Array;
}

/**
 * The value of the varint read last. A request of a thousand names has two thousand varints, and
 * a SotW client sends one on every ACK: returning the value in an object per varint was two
 * million short-lived objects per endpoint change at 1,000 SotW streams, and the young collections
 * they caused promoted whatever else was in flight.
 */
let varintValue = 0;

/**
 * Reads a varint at `pos` into varintValue; the position after it, or -1 when it runs past the
 * end or beyond 32 bits.
 */
function varint(bytes: Uint8Array, pos: number): number {
  let value = 0;
  for (let shift = 0, i = pos; i < bytes.length && shift < 35; shift += 7, i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      varintValue = value;
      return i + 1;
    }
  }
  return -1;
}

/**
 * The request split into its resource_names entries and the rest, when the entries are one run;
 * undefined when there are none, when they are not one run, or when the bytes do not read as a
 * message (the full decoder then says why).
 */
export function splitResourceNames(bytes: Uint8Array): SplitRequest | undefined {
  let pos = 0;
  let runStart = -1;
  let runEnd = -1;
  while (pos < bytes.length) {
    const start = pos;
    pos = varint(bytes, pos);
    if (pos < 0) return undefined;
    const field = Math.floor(varintValue / 8);
    const wireType = varintValue % 8;
    if (wireType === 0) {
      pos = varint(bytes, pos);
      if (pos < 0) return undefined;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === LENGTH_DELIMITED) {
      pos = varint(bytes, pos);
      if (pos < 0) return undefined;
      pos += varintValue;
    } else return undefined;
    if (pos > bytes.length) return undefined;
    if (field !== RESOURCE_NAMES_FIELD) continue;
    if (wireType !== LENGTH_DELIMITED) return undefined;
    if (runStart < 0) runStart = start;
    else if (runEnd !== start) return undefined;
    runEnd = pos;
  }
  if (runStart < 0) return undefined;
  const rest = new Uint8Array(bytes.length - (runEnd - runStart));
  rest.set(bytes.subarray(0, runStart), 0);
  rest.set(bytes.subarray(runEnd), runStart);
  return { rest, names: bytes.subarray(runStart, runEnd) };
}

/** The strings of a run of resource_names entries (as splitResourceNames found it). */
function decodeNames(run: Uint8Array): string[] {
  const names: string[] = [];
  const text = Buffer.from(run.buffer, run.byteOffset, run.byteLength);
  let pos = 0;
  while (pos < run.length) {
    // splitResourceNames read every entry of the run already: neither varint can fail here.
    const start = varint(run, varint(run, pos));
    names.push(text.toString('utf8', start, start + varintValue));
    pos = start + varintValue;
  }
  return names;
}

interface Entry {
  readonly bytes: Buffer;
  readonly names: readonly string[];
}

/** Distinct lists of names by their bytes, the most recently used first within a length. */
export class ResourceNamesCache {
  private readonly byLength = new Map<number, Entry[]>();
  private bytes = 0;

  /** The names of this run: the array decoded before for the same bytes, else a new one. */
  names(run: Uint8Array): readonly string[] {
    if (run.length < MIN_CACHED_BYTES || run.length > MAX_LIST_BYTES) return decodeNames(run);
    const entries = this.byLength.get(run.length);
    const index = entries ? entries.findIndex((e) => e.bytes.equals(run)) : -1;
    if (entries && index >= 0) {
      const found = entries[index]!;
      if (index > 0) entries.unshift(...entries.splice(index, 1));
      return found.names;
    }
    const names = Object.freeze(decodeNames(run));
    // Bounded by bytes: when full, everything goes, and the lists in use come back on their next ACK.
    if (this.bytes + run.length > MAX_CACHE_BYTES) {
      this.byLength.clear();
      this.bytes = 0;
    }
    const entry = { bytes: Buffer.from(run), names };
    const list = this.byLength.get(run.length);
    if (list) list.unshift(entry);
    else this.byLength.set(run.length, [entry]);
    this.bytes += run.length;
    return names;
  }
}
