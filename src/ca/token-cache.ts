// Remembers token reviews so that a stream reconnecting, or many streams of one pod, cost one
// TokenReview, and a flood of one bad token costs one every few seconds, not one per attempt.
//
// - Keys are SHA-256 digests of the token; the token itself is never kept as a key.
// - An accepted token is kept for `okTtlMs` at most, and never past `expiryMarginMs` before the `exp`
//   of the JWT (read unverified: the API server judged the token, the claim only bounds the reuse).
// - A rejected token is kept for `failureTtlMs`.
// - An outcome that says nothing about the token (API server unreachable, timed out, 5xx, Trellis
//   not allowed to review) is handed to the callers waiting for it and not kept.
// - Callers asking about one token while its review runs share that review (single flight), and at
//   most `maxInFlight` reviews of different tokens run at once; past that a caller is refused at
//   once, not queued.
// - At most `maxEntries` outcomes are kept, least recently used evicted first.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { fail, type Result } from '../model/result.js';
import { unverifiedJwtExpiry } from './bearer-token.js';

/** What one review says. Only a verdict is about the token, and only a verdict is kept. */
/**
 * Why a token was not accepted. `transient`: no verdict was reached (the API server could not be
 * reached, or too many reviews run at once); trying again later may succeed, so a caller answers
 * UNAVAILABLE rather than UNAUTHENTICATED.
 */
export interface TokenFailure {
  readonly reason: string;
  readonly transient: boolean;
}

function asVerdict<T>(result: Result<T, string>): Result<T, TokenFailure> {
  return result.ok ? result : fail(result.errors.map((reason) => ({ reason, transient: false })));
}

export type ReviewOutcome<T> =
  | { readonly kind: 'verdict'; readonly result: Result<T, string> }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface TokenCacheOptions {
  /** Longest time an accepted token is trusted without asking again. */
  readonly okTtlMs: number;
  /** An accepted token is asked about again this long before its JWT `exp`. */
  readonly expiryMarginMs: number;
  /** How long a rejection is kept. */
  readonly failureTtlMs: number;
  readonly maxEntries: number;
  readonly maxInFlight: number;
  /** Wall-clock milliseconds since the epoch (JWT `exp` is on that clock), as Date.now. */
  readonly now: () => number;
}

interface Entry<T> {
  readonly result: Result<T, string>;
  readonly expiresAt: number;
}

export class TokenCache<T> {
  private readonly entries: LRUCache<string, Entry<T>>;
  private readonly inFlight = new Map<string, Promise<Result<T, TokenFailure>>>();

  constructor(private readonly options: TokenCacheOptions) {
    if (!(options.maxEntries >= 1))
      throw new Error(`maxEntries must be at least 1, not ${options.maxEntries}`);
    if (!(options.maxInFlight >= 1))
      throw new Error(`maxInFlight must be at least 1, not ${options.maxInFlight}`);
    this.entries = new LRUCache({ max: options.maxEntries });
  }

  /** Outcomes kept now, expired ones not yet evicted included. */
  get size(): number {
    return this.entries.size;
  }

  /** Reviews running now. */
  get reviewsInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * The kept outcome for `token`, the running review of it, or a new `review(token)`. `review`
   * should not throw; if it does, the callers get the error as an unavailable outcome.
   */
  lookup(
    token: string,
    review: (token: string) => Promise<ReviewOutcome<T>>,
  ): Promise<Result<T, TokenFailure>> {
    const key = createHash('sha256').update(token).digest('hex');
    const kept = this.entries.get(key);
    if (kept) {
      if (kept.expiresAt > this.options.now()) return Promise.resolve(asVerdict(kept.result));
      this.entries.delete(key);
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    if (this.inFlight.size >= this.options.maxInFlight)
      return Promise.resolve(
        fail([
          {
            reason: `the most token reviews allowed at once (${this.options.maxInFlight}) are already running; try again`,
            transient: true,
          },
        ]),
      );
    const startedAt = this.options.now();
    const run = Promise.resolve()
      .then(() => review(token))
      .catch(
        (error: unknown): ReviewOutcome<T> => ({
          kind: 'unavailable',
          reason: `the token review failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
      .then((outcome) => {
        if (outcome.kind === 'unavailable') return fail([{ reason: outcome.reason, transient: true }]);
        const expiresAt = this.keepUntil(token, outcome.result, startedAt);
        if (expiresAt > this.options.now()) this.entries.set(key, { result: outcome.result, expiresAt });
        return asVerdict(outcome.result);
      })
      .finally(() => {
        this.inFlight.delete(key);
      });
    this.inFlight.set(key, run);
    return run;
  }

  /** Counted from when the review started: the verdict is at least that old. */
  private keepUntil(token: string, result: Result<T, string>, startedAt: number): number {
    if (!result.ok) return startedAt + this.options.failureTtlMs;
    const until = startedAt + this.options.okTtlMs;
    const expiry = unverifiedJwtExpiry(token);
    return expiry === undefined ? until : Math.min(until, expiry - this.options.expiryMarginMs);
  }
}
