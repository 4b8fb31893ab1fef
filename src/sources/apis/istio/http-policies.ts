// The per-rule policies of a VirtualService http rule: retries, fault injection, mirrors, CORS and
// header edits. Each pushes its own issues into the scope; an error drops the whole rule.
import type {
  CorsPolicy,
  FaultPolicy,
  HeaderEdits,
  HeaderValue,
  MirrorPolicy,
  RetryPolicy,
} from '../../../model/routing.js';
import { formatPath } from '../issues.js';
import { resolveDestination } from './destinations.js';
import { toStringMatch } from './http-match.js';
import type { HttpRouteSpec } from './http-route-schema.js';
import type { LoweringScope } from './lowering-scope.js';

type Spec<K extends keyof HttpRouteSpec> = NonNullable<HttpRouteSpec[K]>;

/** What Istio retries on when a rule sets attempts but not retryOn. */
const DEFAULT_RETRY_ON = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];

export function lowerRetry(retries: Spec<'retries'>, at: string, scope: LoweringScope): RetryPolicy {
  if (retries.attempts === undefined || retries.attempts === null) {
    scope.issues.push(
      scope.report(
        `${at}.attempts`,
        'MissingField',
        'is not set, so retries are disabled for this rule (as in Istio); set attempts to retry',
        'warning',
      ),
    );
  }
  const attempts = retries.attempts ?? 0;
  // An explicit 0 turns retries off, unlike an absent retries block, which leaves the mesh default.
  if (attempts === 0) return { attempts: 0, retryOn: [] };
  // retryOn: "" lists nothing, which Istio reads as not set.
  const given = retries.retryOn;
  const listed = given && given.retryOn.length + given.statusCodes.length > 0 ? given : undefined;
  const codes = listed?.statusCodes ?? [];
  return {
    attempts,
    retryOn: listed?.retryOn ?? DEFAULT_RETRY_ON,
    ...(codes.length > 0 ? { retriableStatusCodes: codes } : {}),
    ...(typeof retries.perTryTimeout === 'number' ? { perTryTimeoutMs: retries.perTryTimeout } : {}),
    ...(typeof retries.backoff === 'number' ? { backoff: { baseMs: retries.backoff } } : {}),
  };
}

/** `raw` is the rule as written: it tells a fault that names only unsupported kinds from an empty one. */
export function lowerFault(
  fault: Spec<'fault'>,
  raw: Record<string, unknown>,
  at: string,
  scope: LoweringScope,
): FaultPolicy | undefined {
  const written = (part: 'delay' | 'abort', field: string): boolean => {
    const value = nested(raw, ['fault', part, field]);
    return value !== undefined && value !== null;
  };
  const { delay, abort } = fault;
  if (!delay && !abort) {
    scope.issues.push(scope.report(at, 'MissingField', 'must set delay or abort'));
    return undefined;
  }
  let lowered: FaultPolicy = {};
  if (delay) {
    if (typeof delay.fixedDelay === 'number') {
      const percent = faultPercent(delay.percentage?.value, delay.percent, `${at}.delay`, 'delayed', scope);
      lowered = { ...lowered, delay: { fixedMs: delay.fixedDelay, percent } };
    } else if (!written('delay', 'exponentialDelay')) {
      scope.issues.push(scope.report(`${at}.delay.fixedDelay`, 'MissingField', 'is required'));
    }
  }
  if (abort) {
    const http = abort.httpStatus;
    const grpc = abort.grpcStatus;
    if (typeof http === 'number' && typeof grpc === 'number') {
      scope.issues.push(
        scope.report(`${at}.abort`, 'InvalidValue', 'must set only one of httpStatus, grpcStatus'),
      );
    } else if (typeof http === 'number' || typeof grpc === 'number') {
      const percent = faultPercent(abort.percentage?.value, undefined, `${at}.abort`, 'aborted', scope);
      lowered = {
        ...lowered,
        abort:
          typeof http === 'number'
            ? { kind: 'http', status: http, percent }
            : { kind: 'grpc', status: grpc ?? 0, percent },
      };
    } else if (!written('abort', 'http2Error')) {
      scope.issues.push(
        scope.report(`${at}.abort.httpStatus`, 'MissingField', 'is required: set httpStatus or grpcStatus'),
      );
    }
  }
  return lowered.delay || lowered.abort ? lowered : undefined;
}

/** Istio injects a fault into no request when no percentage is given; say so, since it looks like all. */
function faultPercent(
  percentage: number | null | undefined,
  deprecated: number | null | undefined,
  at: string,
  verb: string,
  scope: LoweringScope,
): number {
  if (typeof percentage === 'number') return percentage;
  if (typeof deprecated === 'number') return deprecated;
  scope.issues.push(
    scope.report(
      `${at}.percentage`,
      'MissingField',
      `is not set, so no request is ${verb} (as in Istio); set percentage.value`,
      'warning',
    ),
  );
  return 0;
}

export function lowerMirrors(rule: HttpRouteSpec, at: string, scope: LoweringScope): MirrorPolicy[] {
  const wanted: { destination: NonNullable<HttpRouteSpec['mirror']>; percent: number; at: string }[] = [];
  if (rule.mirror) {
    const percent = rule.mirrorPercentage ? (rule.mirrorPercentage.value ?? 0) : (rule.mirrorPercent ?? 100);
    wanted.push({ destination: rule.mirror, percent, at: `${at}.mirror` });
  }
  (rule.mirrors ?? []).forEach((mirror, i) => {
    const percent = mirror.percentage ? (mirror.percentage.value ?? 0) : 100;
    wanted.push({ destination: mirror.destination, percent, at: `${at}.mirrors[${i}].destination` });
  });
  const mirrors: MirrorPolicy[] = [];
  for (const { destination, percent, at: where } of wanted) {
    const target = resolveDestination(destination, where, 'the mirror is skipped', scope);
    if (target) mirrors.push({ ...target, percent });
  }
  return mirrors;
}

export function lowerCors(cors: Spec<'corsPolicy'>, at: string, scope: LoweringScope): CorsPolicy {
  const origins = (cors.allowOrigins ?? []).flatMap((origin, i) => {
    const match = toStringMatch(origin);
    if (match.kind !== 'present') return [match];
    scope.issues.push(
      scope.report(`${at}.allowOrigins[${i}]`, 'MissingField', 'must set one of exact, prefix, regex'),
    );
    return [];
  });
  for (const origin of cors.allowOrigin ?? []) origins.push({ kind: 'exact', value: origin });
  return {
    allowOrigins: origins,
    ...(cors.allowMethods ? { allowMethods: [...cors.allowMethods] } : {}),
    ...(cors.allowHeaders ? { allowHeaders: [...cors.allowHeaders] } : {}),
    ...(cors.exposeHeaders ? { exposeHeaders: [...cors.exposeHeaders] } : {}),
    ...(typeof cors.maxAge === 'number' ? { maxAgeSeconds: Math.floor(cors.maxAge / 1000) } : {}),
    ...(typeof cors.allowCredentials === 'boolean' ? { allowCredentials: cors.allowCredentials } : {}),
  };
}

type Operations = NonNullable<Spec<'headers'>['request']>;

export interface LoweredHeaders {
  readonly request?: HeaderEdits;
  readonly response?: HeaderEdits;
  /** `host` or `:authority` set on requests: Envoy rewrites the authority rather than edit the header. */
  readonly authority?: string;
}

const isAuthority = (name: string) => name.toLowerCase() === 'host' || name === ':authority';

export function lowerHeaders(headers: Spec<'headers'>, at: string, scope: LoweringScope): LoweredHeaders {
  let authority: string | undefined;
  const edits = (
    ops: Operations | null | undefined,
    side: 'request' | 'response',
  ): HeaderEdits | undefined => {
    if (!ops) return undefined;
    const where = `${at}.${side}`;
    const values = (op: 'set' | 'add'): HeaderValue[] => {
      const out: HeaderValue[] = [];
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        if (side === 'request' && op === 'set' && isAuthority(name)) authority = value;
        else if (checkEditable(name, `${where}.${formatPath([op, name])}`, scope)) out.push({ name, value });
      }
      return out;
    };
    const set = values('set');
    const add = values('add');
    const remove = (ops.remove ?? []).filter((name, i) =>
      checkEditable(name, `${where}.remove[${i}]`, scope),
    );
    const result: HeaderEdits = {
      ...(set.length > 0 ? { set } : {}),
      ...(add.length > 0 ? { add } : {}),
      ...(remove.length > 0 ? { remove } : {}),
    };
    return Object.keys(result).length > 0 ? result : undefined;
  };
  const request = edits(headers.request, 'request');
  const response = edits(headers.response, 'response');
  return {
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    ...(authority !== undefined ? { authority } : {}),
  };
}

/** Envoy refuses edits of pseudo-headers and of host (outside the authority rewrite). */
function checkEditable(name: string, at: string, scope: LoweringScope): boolean {
  if (!name.startsWith(':') && name.toLowerCase() !== 'host') return true;
  scope.issues.push(
    scope.report(
      at,
      'InvalidValue',
      `cannot edit ${JSON.stringify(name)}: Envoy does not edit pseudo-headers or host`,
    ),
  );
  return false;
}

function nested(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}
