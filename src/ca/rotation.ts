// When to renew: pure functions of a certificate's validity, a clock reading and a random source,
// so a fake clock and a fixed random source test them exactly.

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * When a holder should renew: at 50 % to 60 % of its life, uniformly (from `random()` in [0, 1)).
 * Half the life leaves the other half for retries if the CA is down; the jitter spreads a fleet
 * issued at once (a restart, a root rotation) over a tenth of the life instead of one instant.
 */
export function rotationTime(cert: Validity, random: () => number, from = 0.5, to = 0.6): Date {
  const start = cert.notBefore.getTime();
  const life = cert.notAfter.getTime() - start;
  const fraction = from + (to - from) * Math.min(Math.max(random(), 0), 1);
  return new Date(start + Math.floor(life * fraction));
}

export function isRotationDue(rotateAt: Date, nowMs: number): boolean {
  return nowMs >= rotateAt.getTime();
}

export interface CaExpiry {
  readonly which: 'root' | 'intermediate';
  readonly notAfter: Date;
  readonly subject: string;
  readonly fingerprintSha256: string;
}

export const EXPIRY_THRESHOLDS_DAYS = [90, 30, 7] as const;

export interface ExpiryWarning extends CaExpiry {
  /** The smallest threshold reached (90, 30 or 7 days), or 0 once expired. */
  readonly thresholdDays: 90 | 30 | 7 | 0;
  readonly daysLeft: number;
  readonly message: string;
}

const DAY_MS = 86_400_000;

/**
 * The warnings due at `nowMs`: one per CA certificate within 90 days of its end, at the tightest
 * threshold it reached. The server logs each once per threshold and exports `daysLeft`.
 */
export function expiryWarnings(expiries: readonly CaExpiry[], nowMs: number): ExpiryWarning[] {
  const warnings: ExpiryWarning[] = [];
  for (const expiry of expiries) {
    const left = expiry.notAfter.getTime() - nowMs;
    const daysLeft = Math.floor(left / DAY_MS);
    const threshold = left <= 0 ? 0 : [...EXPIRY_THRESHOLDS_DAYS].reverse().find((d) => left <= d * DAY_MS);
    if (threshold === undefined) continue;
    const when = expiry.notAfter.toISOString();
    const message =
      threshold === 0
        ? `${expiry.which} CA certificate "${expiry.subject}" expired at ${when}`
        : `${expiry.which} CA certificate "${expiry.subject}" expires at ${when}, in ${daysLeft} days (within ${threshold})`;
    warnings.push({ ...expiry, thresholdDays: threshold, daysLeft, message });
  }
  return warnings;
}
