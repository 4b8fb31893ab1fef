// The `authorization` gRPC metadata of an xDS stream that proves its identity with a Kubernetes
// ServiceAccount token: exactly one value, `Bearer <token>` (RFC 6750 §2.1; the scheme is
// case-insensitive, RFC 9110 §11.1), the token a JWT. Everything here reads text a client sent, so
// it returns a reason and never throws, and no reason quotes the token: at most its length, an
// offset, or a code point. The token is checked only for shape; the API server decides whether it
// is valid (token-review.ts).
import { fail, ok, type Result } from '../model/result.js';

/**
 * A projected ServiceAccount token is about 1 KiB; one with many audiences or a long issuer stays
 * far below this. Kubernetes itself caps request headers well above it, so the bound is ours.
 */
export const MAX_BEARER_TOKEN_CHARS = 16 * 1024;

// `Bearer` and one or more spaces; anything longer than this is not an authorization value we read.
const MAX_VALUE_CHARS = MAX_BEARER_TOKEN_CHARS + 64;
// A JWS in compact serialization (RFC 7515 §7.1): three base64url parts joined by dots.
const JWT_CHAR = /^[A-Za-z0-9_.-]$/;
// A scheme short and plain enough to name in a message without quoting a credential by mistake.
const NAMEABLE_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,19}$/;

/**
 * The token of the one `authorization` value, or why there is none. Values are what grpc-js's
 * `Metadata.get('authorization')` returns; a Buffer is refused (the key is not `-bin`).
 */
export function bearerToken(headerValues: readonly (string | Uint8Array)[]): Result<string, string> {
  if (headerValues.length === 0)
    return fail(['no authorization metadata: send "authorization: Bearer <ServiceAccount token>"']);
  if (headerValues.length > 1)
    return fail([`${headerValues.length} authorization values were sent; exactly one is allowed`]);
  const value = headerValues[0];
  if (typeof value !== 'string') return fail(['the authorization value is binary, not text']);
  if (value.length > MAX_VALUE_CHARS)
    return fail([
      `the authorization value is ${value.length} characters, over the ${MAX_VALUE_CHARS} allowed`,
    ]);
  const space = value.indexOf(' ');
  if (space < 0)
    return fail([
      value.length === 0
        ? 'the authorization value is empty: expected "Bearer <token>"'
        : `the authorization value (${value.length} characters) has no scheme: expected "Bearer <token>"`,
    ]);
  const scheme = value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer')
    return fail([
      NAMEABLE_SCHEME.test(scheme)
        ? `the authorization scheme is "${scheme}", not Bearer`
        : `the authorization scheme (${scheme.length} characters) is not Bearer`,
    ]);
  let start = space;
  while (value[start] === ' ') start++;
  return checkToken(value.slice(start));
}

/** Shape only: length, alphabet, three non-empty parts. */
export function checkToken(token: string): Result<string, string> {
  if (token.length === 0) return fail(['the Bearer token is empty']);
  if (token.length > MAX_BEARER_TOKEN_CHARS)
    return fail([
      `the Bearer token is ${token.length} characters, over the ${MAX_BEARER_TOKEN_CHARS} allowed`,
    ]);
  for (let i = 0; i < token.length; i++) {
    const char = token[i] ?? '';
    if (!JWT_CHAR.test(char)) {
      const code = token.codePointAt(i) ?? 0;
      return fail([
        `the Bearer token has U+${code.toString(16).toUpperCase().padStart(4, '0')} at offset ${i}, ` +
          'which cannot appear in a JWT (base64url parts joined by dots)',
      ]);
    }
  }
  const parts = token.split('.');
  if (parts.length !== 3)
    return fail([`the Bearer token is not a JWT: it has ${parts.length} dot-separated parts, not 3`]);
  const empty = parts.findIndex((part) => part.length === 0);
  if (empty >= 0) return fail([`the Bearer token is not a JWT: its part ${empty + 1} of 3 is empty`]);
  return ok(token);
}

/**
 * The `exp` claim of a JWT in milliseconds since the epoch, read WITHOUT verifying the signature:
 * only to bound how long a review of the token is kept, never to accept it. Undefined when the
 * token has no readable numeric `exp` (a legacy Secret-based token has none).
 */
export function unverifiedJwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > MAX_BEARER_TOKEN_CHARS) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const exp = (payload as { exp?: unknown }).exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}
