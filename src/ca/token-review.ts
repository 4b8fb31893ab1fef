// Authenticates an xDS stream by the Kubernetes ServiceAccount token it sends (bearer-token.ts reads
// it from the `authorization` metadata): the API server judges the token through the TokenReview
// API (authentication.k8s.io/v1), and Trellis accepts only what it can name as a workload:
//
//   status.authenticated === true
//   status.audiences contains the audience (default `trellis`). The review asks for it in
//     spec.audiences, and an audience-aware authenticator answers with the intersection; an empty
//     or different list means the token was checked for another audience (the API server's own),
//     so it is refused.
//   status.user.username === system:serviceaccount:<namespace>:<name>, both Kubernetes names.
//
// The answer is `{ identity, podName? }`: the pod name comes from the `authentication.kubernetes.io/
// pod-name` extra of a token bound to a pod (a projected token, what a pod is given by default); a
// legacy Secret-based token has none, and a value that is not one pod name is left out rather than
// guessed at. Reviews are cached and shared (token-cache.ts). A review that says nothing about the
// token (unreachable, timed out, 5xx, 401/403 for Trellis itself) is a failure with its reason and
// is not cached. No reason quotes the token; text from the API server is cut to 1 KiB.
import {
  ApiException,
  AuthenticationV1Api,
  type KubeConfig,
  type V1TokenReview,
} from '@kubernetes/client-node';
import { AbortableCall } from '../kube-call.js';
import { checkIdentity, type WorkloadIdentity } from '../model/identity.js';
import { fail, ok, type Result } from '../model/result.js';
import { checkToken } from './bearer-token.js';
import { type ReviewOutcome, TokenCache, type TokenFailure } from './token-cache.js';

export const DEFAULT_TOKEN_AUDIENCE = 'trellis';
/** The extra a projected token bound to a pod carries (KEP-4193 adds node-name beside it). */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

/** Who a token proves to be. `podName` only when the token is bound to a pod. */
export interface AuthenticatedToken {
  readonly identity: WorkloadIdentity;
  readonly podName?: string;
}

export interface TokenAuthenticator {
  /** Never throws: a token that cannot be accepted, for whatever cause, is a reason. */
  authenticate(token: string): Promise<Result<AuthenticatedToken, TokenFailure>>;
}

export interface TokenReviewLimits {
  /** One TokenReview call, connection included. */
  readonly timeoutMs: number;
  /** Longest time an accepted token is trusted without a new review. */
  readonly okTtlMs: number;
  /** An accepted token is reviewed again this long before its JWT `exp`. */
  readonly expiryMarginMs: number;
  /** How long a rejected token is answered from the cache. */
  readonly failureTtlMs: number;
  /** Reviews kept. */
  readonly maxEntries: number;
  /** Reviews of different tokens running at once; past it a token is refused, not queued. */
  readonly maxInFlight: number;
}

export const DEFAULT_TOKEN_REVIEW_LIMITS: TokenReviewLimits = {
  // The API server answers a TokenReview in milliseconds; 5 s is a stalled connection, and a stream
  // waiting that long for its identity is better told to come back.
  timeoutMs: 5_000,
  // The API server invalidates a pod's bound token when the pod is deleted; this is how long
  // Trellis may go on trusting it. A stream reviews its token once, so the cache serves reconnects.
  okTtlMs: 5 * 60_000,
  expiryMarginMs: 30_000,
  // Long enough that a client retrying a bad token in a loop costs one review per 5 s.
  failureTtlMs: 5_000,
  // One token per proxy of a 10,000-proxy mesh; an entry is ~200 bytes, and a miss costs a review.
  maxEntries: 10_000,
  // A TokenReview is a create, so it counts against the API server's --max-mutating-requests-inflight
  // (default 200); Trellis takes a quarter of it at most.
  maxInFlight: 50,
};

export interface TokenReviewOptions {
  /** The trust domain of the identities returned. */
  readonly trustDomain: string;
  readonly audience?: string;
  /** Wall-clock milliseconds since the epoch, for the cache; default Date.now. */
  readonly now?: () => number;
  readonly limits?: Partial<TokenReviewLimits>;
}

const MAX_API_TEXT_CHARS = 1024;

export class TokenReviewAuthenticator implements TokenAuthenticator {
  private readonly api: AuthenticationV1Api;
  private readonly trustDomain: string;
  private readonly audience: string;
  private readonly limits: TokenReviewLimits;
  private readonly cache: TokenCache<AuthenticatedToken>;

  /** Throws on a bad trust domain, audience or limit, and when the KubeConfig has no cluster. */
  constructor(kubeConfig: KubeConfig, options: TokenReviewOptions) {
    // The placeholder names are valid; only the trust domain can fail the check.
    const domain = checkIdentity({ trustDomain: options.trustDomain, namespace: 'a', serviceAccount: 'a' });
    if (!domain.ok) throw new Error(domain.errors.join('; '));
    this.trustDomain = options.trustDomain;
    this.audience = options.audience ?? DEFAULT_TOKEN_AUDIENCE;
    if (this.audience.length === 0 || this.audience.length > 256)
      throw new Error(`the token audience must have 1 to 256 characters, not ${this.audience.length}`);
    this.limits = { ...DEFAULT_TOKEN_REVIEW_LIMITS, ...options.limits };
    if (!(this.limits.timeoutMs > 0))
      throw new Error(`timeoutMs must be positive, not ${this.limits.timeoutMs}`);
    this.api = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.cache = new TokenCache({ ...this.limits, now: options.now ?? Date.now });
  }

  /** Accepted tokens and rejections kept now (for tests and metrics). */
  get cachedReviews(): number {
    return this.cache.size;
  }

  authenticate(token: string): Promise<Result<AuthenticatedToken, TokenFailure>> {
    const shape = checkToken(token);
    if (!shape.ok) return Promise.resolve(fail(shape.errors.map((reason) => ({ reason, transient: false }))));
    return this.cache.lookup(token, (t) => this.review(t));
  }

  private async review(token: string): Promise<ReviewOutcome<AuthenticatedToken>> {
    const call = new AbortableCall();
    const body: V1TokenReview = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences: [this.audience] },
    };
    const answer = Promise.resolve()
      .then(() => this.api.createTokenReview({ body }, call.options))
      .then(
        (review) => ({ review }),
        (error: unknown) => ({ error }),
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.limits.timeoutMs);
    });
    try {
      const settled = await Promise.race([answer, timeout]);
      if (settled === 'timeout') {
        call.abort();
        return unavailable(`no answer within ${this.limits.timeoutMs} ms`);
      }
      if ('error' in settled) return outcomeOfError(settled.error, token);
      return {
        kind: 'verdict',
        result: readTokenReview(settled.review, this.audience, this.trustDomain, token),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The verdict of a TokenReview's answer. Exported for tests; `token` is only used to make sure no
 * text from the API server quotes it.
 */
export function readTokenReview(
  review: V1TokenReview,
  audience: string,
  trustDomain: string,
  token = '',
): Result<AuthenticatedToken, string> {
  const status = review.status;
  if (status === undefined || status === null)
    return fail(['the API server answered the TokenReview without a status']);
  if (status.authenticated !== true) {
    const error = typeof status.error === 'string' && status.error !== '' ? status.error : undefined;
    return fail([
      error === undefined
        ? 'the API server did not authenticate the token (it gave no reason)'
        : `the API server did not authenticate the token: ${apiText(error, token)}`,
    ]);
  }
  const audiences = Array.isArray(status.audiences) ? status.audiences : [];
  if (!audiences.includes(audience))
    return fail([
      audiences.length === 0
        ? `the token is not for the audience "${audience}": the API server confirmed no audience, so it checked the token for its own`
        : `the token is not for the audience "${audience}": the API server confirmed only ${audienceList(audiences, token)}`,
    ]);
  const username = status.user?.username;
  if (typeof username !== 'string' || username === '')
    return fail(['the API server authenticated the token but named no user']);
  const prefix = 'system:serviceaccount:';
  if (!username.startsWith(prefix))
    return fail([`the token is a user's ("${apiText(username, token, 256)}"), not a ServiceAccount's`]);
  const parts = username.slice(prefix.length).split(':');
  const named = `the API server named the ServiceAccount "${apiText(username, token, 256)}"`;
  if (parts.length !== 2) return fail([`${named}, which is not system:serviceaccount:<namespace>:<name>`]);
  const identity = checkIdentity({ trustDomain, namespace: parts[0] ?? '', serviceAccount: parts[1] ?? '' });
  if (!identity.ok) return fail(identity.errors.map((error) => `${named}, but its ${error}`));
  const podName = onePodName(status.user?.extra?.[POD_NAME_EXTRA]);
  return ok(podName === undefined ? { identity: identity.value } : { identity: identity.value, podName });
}

// Pod names are DNS-1123 subdomains.
const POD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function onePodName(values: unknown): string | undefined {
  if (!Array.isArray(values) || values.length !== 1) return undefined;
  const [name] = values;
  return typeof name === 'string' && POD_NAME.test(name) ? name : undefined;
}

function audienceList(audiences: readonly unknown[], token: string): string {
  const shown = audiences.slice(0, 10).map((a) => `"${apiText(String(a), token, 256)}"`);
  const more = audiences.length > shown.length ? ` and ${audiences.length - shown.length} more` : '';
  return `${shown.join(', ')}${more}`;
}

function unavailable(detail: string): ReviewOutcome<never> {
  return { kind: 'unavailable', reason: `could not reach the API server to review the token: ${detail}` };
}

function outcomeOfError(error: unknown, token: string): ReviewOutcome<never> {
  if (error instanceof ApiException) {
    const code = error.code;
    const message = statusMessage(error.body, token);
    const detail = message === undefined ? '' : `: ${message}`;
    if (code === 401)
      return {
        kind: 'unavailable',
        reason: `the API server did not accept Trellis's own credentials (401 Unauthorized), so the token could not be reviewed${detail}`,
      };
    if (code === 403)
      return {
        kind: 'unavailable',
        reason:
          'Trellis is not allowed to create tokenreviews (403 Forbidden from the API server): its RBAC role ' +
          `needs the verb create on tokenreviews.authentication.k8s.io${detail}`,
      };
    if (code >= 500 || code === 429) return unavailable(`HTTP ${code}${detail}`);
    return {
      kind: 'unavailable',
      reason: `the API server refused the TokenReview with HTTP ${code}${detail}`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return unavailable(apiText(message, token));
}

/** The `message` of a `Status` answer, or the answer itself cut short. */
function statusMessage(body: unknown, token: string): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() === '' ? undefined : apiText(body, token);
    }
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const message = (parsed as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return apiText(message, token);
  }
  return undefined;
}

/** Text from the API server or the network, with the token blanked out and cut to `max`. */
function apiText(text: string, token: string, max = MAX_API_TEXT_CHARS): string {
  const clean = token.length > 0 ? text.split(token).join('<token>') : text;
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length} characters)` : clean;
}
