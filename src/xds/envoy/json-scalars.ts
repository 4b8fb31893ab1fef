// Text forms the proto3 JSON mapping gives to scalars and to the time-like well-known types, shared by
// the encoder (parse), the decoder (format) and the validator (compare).

export type Parsed<T> = { readonly value: T } | { readonly error: string };

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Duration's documented range, about 10,000 years. */
export const DURATION_MAX_SECONDS = 315576000000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, Timestamp's documented range. */
export const TIMESTAMP_MIN_SECONDS = -62135596800n;
export const TIMESTAMP_MAX_SECONDS = 253402300799n;

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * An integer from whatever protobufjs or a caller holds: number, bigint, decimal string, or a Long
 * ({low, high, unsigned}) as protobufjs decodes 64-bit fields and option values.
 */
export function toBigInt(v: unknown): bigint | undefined {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return Number.isInteger(v) ? BigInt(v) : undefined;
    case 'string':
      return /^-?[0-9]+$/.test(v) ? BigInt(v) : undefined;
    case 'object': {
      if (v === null) return undefined;
      const { low, high, unsigned } = v as { low?: unknown; high?: unknown; unsigned?: unknown };
      if (typeof low !== 'number' || typeof high !== 'number') return undefined;
      const bits = (BigInt.asUintN(32, BigInt(high)) << 32n) | BigInt.asUintN(32, BigInt(low));
      return unsigned === true ? bits : BigInt.asIntN(64, bits);
    }
    default:
      return undefined;
  }
}

/** A plain number when it is exact, else a decimal string: both are what protobufjs's writer accepts. */
export function int64Out(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

/** Nanoseconds in a {seconds, nanos} message (converted, decoded, or a rule option like `{}`). */
export function durationNanos(v: unknown): bigint | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
  const s = seconds === undefined || seconds === null ? 0n : toBigInt(seconds);
  const n = nanos === undefined || nanos === null ? 0n : toBigInt(nanos);
  if (s === undefined || n === undefined) return undefined;
  return s * NANOS_PER_SECOND + n;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const nine = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${nine.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

/** Canonical form, as protoc and Envoy's config_dump print it: "1.500s", "-0.000000001s". */
export function formatDuration(totalNanos: bigint): string {
  const negative = totalNanos < 0n;
  const abs = negative ? -totalNanos : totalNanos;
  const seconds = abs / NANOS_PER_SECOND;
  const nanos = Number(abs % NANOS_PER_SECOND);
  return `${negative ? '-' : ''}${seconds}${fraction(nanos)}s`;
}

export function parseDuration(text: string): Parsed<{ seconds: bigint; nanos: number }> {
  const m = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(text);
  if (!m) {
    return { error: `expected a duration like "1.5s" (seconds, at most 9 fractional digits, "s" suffix)` };
  }
  const seconds = BigInt(m[2] ?? '0');
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  if (seconds > DURATION_MAX_SECONDS || (seconds === DURATION_MAX_SECONDS && nanos > 0)) {
    return { error: `duration out of range (at most ±${DURATION_MAX_SECONDS}s)` };
  }
  const sign = m[1] ? -1 : 1;
  return { value: { seconds: sign === -1 ? -seconds : seconds, nanos: nanos === 0 ? 0 : sign * nanos } };
}

export function formatTimestamp(totalNanos: bigint): string {
  let seconds = totalNanos / NANOS_PER_SECOND;
  let nanos = totalNanos % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}${fraction(Number(nanos))}Z`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** RFC 3339 with upper-case T and Z or a numeric offset, as protobuf's JSON parsers require. */
export function parseTimestamp(text: string): Parsed<{ seconds: bigint; nanos: number }> {
  const m =
    /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|([+-])([0-9]{2}):([0-9]{2}))$/.exec(
      text,
    );
  if (!m) return { error: 'expected an RFC 3339 timestamp like "2024-01-02T03:04:05.5Z"' };
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    return { error: 'timestamp has an impossible date or time' };
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  let seconds = BigInt(date.getTime() / 1000);
  if (m[8] !== 'Z') {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return { error: 'timestamp has an impossible UTC offset' };
    const offset = BigInt(offHours * 3600 + offMinutes * 60);
    seconds = m[9] === '+' ? seconds - offset : seconds + offset;
  }
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
    return { error: 'timestamp out of range (years 0001 to 9999)' };
  }
  return { value: { seconds, nanos: Number((m[7] ?? '').padEnd(9, '0')) } };
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Standard or URL-safe alphabet, padded or not; never a mix of the two alphabets. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STD_BASE64.test(text) && !URL_BASE64.test(text)) return undefined;
  const padded = text.endsWith('=');
  if (padded ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The shortest decimal that reads back as the same float32, as protobuf prints floats. */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(v.toPrecision(precision));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

/** "fooBar.baz,qux" → ["foo_bar.baz", "qux"]. Underscores are refused: they could not round-trip. */
export function parseFieldMask(text: string): Parsed<string[]> {
  if (text === '') return { value: [] };
  const paths: string[] = [];
  for (const path of text.split(',')) {
    if (!/^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/.test(path)) {
      return { error: `field mask path "${path}" must be lowerCamel names joined by "."` };
    }
    paths.push(path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  }
  return { value: paths };
}

export function formatFieldMask(paths: readonly string[]): string {
  return paths.map((p) => p.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())).join(',');
}
