// Durations as Istio users write them: protobuf JSON ("1.5s") or Go style ("1m30s", "500ms"), both
// of which are the Go grammar. Counted in BigInt nanoseconds so that "0.1s" is exactly 100 ms.

export type ParsedDuration =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly message: string };

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n],
  ['μs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
const NS_PER_MS = 1_000_000n;
/** protobuf Duration's range: about 10,000 years. */
const MAX_NS = 315_576_000_000n * 1_000_000_000n;
/** Longer input is certainly a mistake, and bounding it bounds the BigInt work. */
const MAX_LENGTH = 64;

export const MUST_BE_DURATION = 'must be a duration such as "1s", "500ms" or "1m30s"';

/** Milliseconds of a duration string; Istio accepts only whole milliseconds, so do we. */
export function parseDuration(text: string): ParsedDuration {
  if (text === '0') return { ok: true, ms: 0 };
  if (text.startsWith('-')) return { ok: false, message: 'must not be negative' };
  if (text.length > MAX_LENGTH) return { ok: false, message: MUST_BE_DURATION };
  const body = text.startsWith('+') ? text.slice(1) : text;
  let total = 0n;
  let at = 0;
  while (at < body.length) {
    PART.lastIndex = at;
    const part = PART.exec(body);
    if (!part) return { ok: false, message: MUST_BE_DURATION };
    const [whole, int = '', frac = '', unit = ''] = part;
    if (int === '' && frac === '') return { ok: false, message: MUST_BE_DURATION };
    const scale = NS_PER_UNIT.get(unit) ?? 1n;
    total += BigInt(int || '0') * scale;
    if (frac !== '') total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    at += whole.length;
  }
  if (body === '') return { ok: false, message: MUST_BE_DURATION };
  if (total > MAX_NS) return { ok: false, message: 'must be at most 315576000000s' };
  if (total % NS_PER_MS !== 0n) return { ok: false, message: 'must be a whole number of milliseconds' };
  return { ok: true, ms: Number(total / NS_PER_MS) };
}
