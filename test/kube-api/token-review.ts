// The TokenReview route of the fake API server, and the tokens tests give it: a token under review
// is answered from the test's table (valid for some audiences, rejected, an HTTP error, or no answer),
// with the audience rules of the real API server.
import type { ServerResponse } from 'node:http';
import { reasonOf, sendJson, sendStatus } from './status.js';

export const TOKEN_REVIEWS_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

/** The audience of tokens the API server issues for itself (`--api-audiences` default). */
export const API_SERVER_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

/** What the fake answers for a token under review. */
export type FakeTokenAnswer =
  /** A valid token of `username`, issued for `audiences` (its `aud`). */
  | {
      readonly kind: 'valid';
      readonly username: string;
      readonly audiences: readonly string[];
      readonly uid?: string;
      readonly groups?: readonly string[];
      readonly extra?: Readonly<Record<string, readonly string[]>>;
      /** An authenticator that is not audience-aware: `status.audiences` is this, whatever was asked. */
      readonly reportAudiences?: readonly string[];
    }
  /** `authenticated: false` with this `status.error` (an expired or revoked token). */
  | { readonly kind: 'rejected'; readonly error: string }
  /** The API server fails the request itself: this HTTP status and a `Status` body. */
  | { readonly kind: 'status'; readonly code: number; readonly message?: string }
  /** The API server never answers. */
  | { readonly kind: 'hang' };

export type FakeValidToken = Extract<FakeTokenAnswer, { readonly kind: 'valid' }>;

export type ReviewSpec = { token?: unknown; audiences?: unknown };

/** Answers `POST /apis/authentication.k8s.io/v1/tokenreviews` with `body`, from `tokens`; logs the spec. */
export function reviewToken(
  tokens: ReadonlyMap<string, FakeTokenAnswer>,
  reviewSpecs: ReviewSpec[],
  body: unknown,
  response: ServerResponse,
): void {
  const review = body as { apiVersion?: unknown; kind?: unknown; spec?: unknown } | undefined;
  if (review?.apiVersion !== 'authentication.k8s.io/v1' || review.kind !== 'TokenReview') {
    sendStatus(response, 400, 'BadRequest', 'the body is not an authentication.k8s.io/v1 TokenReview');
    return;
  }
  const spec = (review.spec ?? {}) as ReviewSpec;
  reviewSpecs.push(spec);
  if (typeof spec.token !== 'string' || spec.token === '') {
    sendStatus(
      response,
      422,
      'Invalid',
      'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value',
    );
    return;
  }
  const asked = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const answer = tokens.get(spec.token);
  if (answer?.kind === 'hang') return;
  if (answer?.kind === 'status') {
    sendStatus(response, answer.code, reasonOf(answer.code), answer.message);
    return;
  }
  sendJson(response, 201, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: { creationTimestamp: null },
    spec,
    status: reviewStatus(answer, asked),
  });
}

function reviewStatus(answer: FakeTokenAnswer | undefined, asked: readonly string[]): unknown {
  if (answer === undefined)
    return { user: {}, error: '[invalid bearer token, token could not be validated]' };
  if (answer.kind === 'rejected') return { user: {}, error: answer.error };
  if (answer.kind !== 'valid') throw new Error(`no status for a ${answer.kind} answer`);
  const target = asked.length > 0 ? asked : [API_SERVER_AUDIENCE];
  const granted = target.filter((audience) => answer.audiences.includes(audience));
  if (granted.length === 0 && answer.reportAudiences === undefined)
    return {
      user: {},
      error:
        `[invalid bearer token, token audiences ${JSON.stringify(answer.audiences)} is invalid for the target ` +
        `audiences ${JSON.stringify(target)}]`,
    };
  const user: Record<string, unknown> = { username: answer.username, uid: answer.uid ?? 'uid-of-the-user' };
  if (answer.groups) user.groups = answer.groups;
  if (answer.extra) user.extra = answer.extra;
  return { authenticated: true, user, audiences: answer.reportAudiences ?? granted };
}

let jwtCounter = 0;

/**
 * A token shaped like a projected ServiceAccount token: a JWS whose payload carries `claims`, plus a
 * unique `jti`. Its signature is junk: only the fake API server judges it, from `tokens`.
 */
export function fakeJwt(claims: Readonly<Record<string, unknown>> = {}): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  jwtCounter += 1;
  return [
    part({ alg: 'RS256', kid: 'fake-key' }),
    part({ iss: 'https://kubernetes.default.svc.cluster.local', jti: `fake-${jwtCounter}`, ...claims }),
    Buffer.from(`not a signature ${jwtCounter}`).toString('base64url'),
  ].join('.');
}

/** The answer for a valid token of ServiceAccount `namespace/name`, bound to `podName` if given. */
export function serviceAccountAnswer(
  namespace: string,
  name: string,
  options: { readonly audiences?: readonly string[]; readonly podName?: string } = {},
): FakeValidToken {
  const extra: Record<string, string[]> = {};
  if (options.podName !== undefined) {
    extra['authentication.kubernetes.io/pod-name'] = [options.podName];
    extra['authentication.kubernetes.io/pod-uid'] = ['00000000-0000-4000-8000-000000000001'];
  }
  return {
    kind: 'valid',
    username: `system:serviceaccount:${namespace}:${name}`,
    audiences: options.audiences ?? ['trellis'],
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra,
  };
}
