// Model numbers as the scalars routes carry. The model is validated where it is parsed, but
// translation is best effort: a value the encoder would reject is clamped here, so one odd number
// never keeps a whole route configuration from being sent.
import type { FractionalPercent } from '../../generated/envoy/type/v3/FractionalPercent.js';
import { formatDuration } from '../envoy/json-scalars.js';

const UINT32_MAX = 4_294_967_295;
/** Duration's documented maximum, in milliseconds. */
const DURATION_MAX_MS = 315_576_000_000_000;

/** Milliseconds (fractions allowed, negatives read as 0) as a canonical Duration: 1500 → "1.500s". */
export function durationFromMs(ms: number): string {
  const clamped = Number.isFinite(ms)
    ? Math.min(DURATION_MAX_MS, Math.max(0, ms))
    : ms > 0
      ? DURATION_MAX_MS
      : 0;
  return formatDuration(BigInt(Math.round(clamped * 1_000_000)));
}

/** A whole number in 0..2^32-1, for uint32 and UInt32Value fields. */
export function uint32(n: number): number {
  if (!Number.isFinite(n)) return n > 0 ? UINT32_MAX : 0;
  return Math.min(UINT32_MAX, Math.max(0, Math.trunc(n)));
}

/**
 * A percentage (0..100, fractions allowed) as Envoy's FractionalPercent: a whole percentage keeps
 * the readable HUNDRED denominator; anything finer is counted in millionths, the finest Envoy has.
 */
export function fractionalPercent(percent: number): FractionalPercent {
  const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
  if (Number.isInteger(p)) return { numerator: p, denominator: 'HUNDRED' };
  return { numerator: Math.round(p * 10_000), denominator: 'MILLION' };
}
