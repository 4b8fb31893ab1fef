// Durations as the Gateway API writes them (GEP-2257): one to four <integer><unit> parts, units h,
// m, s, ms, at most five digits each, no sign and no fractions ("1s", "500ms", "1m30s"). Stricter
// than Go's time.ParseDuration on purpose: a value another implementation would reject must not
// quietly mean something here. It is also a subset of Go's grammar, so a CRD can check it with a
// pattern and CEL's duration() reads it the same way. Istio's durations are another format
// (istio/duration.ts).
import { string } from '../core/fields.js';

/** The pattern the CRDs use too (deploy/crds/localratelimitpolicies.trellis.dev.yaml). */
export const DURATION_PATTERN = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';

const FORMAT = new RegExp(DURATION_PATTERN);
const PART = /([0-9]{1,5})(ms|h|m|s)/g;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export const MUST_BE_DURATION =
  'must be a Gateway API duration: one to four parts of up to 5 digits and a unit h, m, s or ms, such as "10s", "1m30s" or "500ms"';

/** Milliseconds, or undefined when the text is not a GEP-2257 duration. */
export function parseDuration(text: string): number | undefined {
  if (!FORMAT.test(text)) return undefined;
  let total = 0;
  for (const [, digits, unit] of text.matchAll(PART)) {
    total += Number(digits) * (UNIT_MS[unit as string] as number);
  }
  return total;
}

/** A zod schema for a duration field; the parsed value is the text, read with parseDuration. */
export const duration = () =>
  string().refine((text) => parseDuration(text) !== undefined, { message: MUST_BE_DURATION });
