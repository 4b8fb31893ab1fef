// Durations as the Gateway API writes them (GEP-2257): one to four <1..5 digits><h|m|s|ms> parts,
// "1s", "500ms", "1m30s". A subset of Go's time.ParseDuration, so a CRD can check it with a
// pattern and CEL's duration() reads it the same way.

/** The pattern the CRD uses too (deploy/crds/localratelimitpolicies.trellis.dev.yaml). */
export const DURATION_PATTERN = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';

const DURATION = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+)(ms|h|m|s)/g;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Milliseconds, or undefined when `text` is not a Gateway API duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}
