// The shape of one VirtualService http[] rule. Each rule is checked on its own, so one bad rule is
// dropped while the others are served.
import { z } from 'zod';
import {
  boolean,
  dns1123Label,
  integer,
  labelMap,
  list,
  object,
  portNumber,
  string,
} from '../core/fields.js';
import {
  count,
  destination,
  duration,
  isHeaderName,
  MUST_BE_HEADER_NAME,
  namedMap,
  percentage,
  stringMatch,
} from './istio-fields.js';
import { retryOn } from './retry-on.js';

const headerValue = () =>
  string().refine((value) => !/[\r\n\0]/.test(value), {
    message: 'must not contain line breaks or NUL characters',
  });

const headerOperations = () =>
  object({
    set: namedMap(headerValue(), isHeaderName, MUST_BE_HEADER_NAME).nullish(),
    add: namedMap(headerValue(), isHeaderName, MUST_BE_HEADER_NAME).nullish(),
    remove: list(string().refine(isHeaderName, { message: MUST_BE_HEADER_NAME })).nullish(),
  });

export const headersSchema = () =>
  object({ request: headerOperations().nullish(), response: headerOperations().nullish() });

const matchMap = () => namedMap(stringMatch(), isHeaderName, MUST_BE_HEADER_NAME).nullish();

const httpMatch = object({
  name: string().nullish(),
  uri: stringMatch().nullish(),
  scheme: stringMatch().nullish(),
  method: stringMatch().nullish(),
  authority: stringMatch().nullish(),
  headers: matchMap(),
  withoutHeaders: matchMap(),
  queryParams: namedMap(stringMatch(), (key) => key !== '', 'must not be empty').nullish(),
  port: portNumber().nullish(),
  sourceLabels: labelMap().nullish(),
  sourceNamespace: dns1123Label().nullish(),
  gateways: list(string()).nullish(),
  ignoreUriCase: boolean().nullish(),
});

export type HttpMatchSpec = z.output<typeof httpMatch>;

const REDIRECT_CODES = [301, 302, 303, 307, 308];

const GRPC_STATUS: ReadonlyMap<string, number> = new Map(
  [
    'OK',
    'CANCELLED',
    'UNKNOWN',
    'INVALID_ARGUMENT',
    'DEADLINE_EXCEEDED',
    'NOT_FOUND',
    'ALREADY_EXISTS',
    'PERMISSION_DENIED',
    'RESOURCE_EXHAUSTED',
    'FAILED_PRECONDITION',
    'ABORTED',
    'OUT_OF_RANGE',
    'UNIMPLEMENTED',
    'INTERNAL',
    'UNAVAILABLE',
    'DATA_LOSS',
    'UNAUTHENTICATED',
  ].map((name, code) => [name, code]),
);

const grpcStatus = () =>
  string().transform((name, ctx) => {
    const code = GRPC_STATUS.get(name);
    if (code === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a gRPC status name such as UNAVAILABLE or INTERNAL' });
      return z.NEVER;
    }
    return code;
  });

const weightedDestination = () => object({ destination: destination(), weight: integer(0, 100).nullish() });

export const routeDestinations = () => list(weightedDestination());

export type RouteDestinationSpec = z.output<ReturnType<typeof weightedDestination>>;

export const httpRouteSchema = object({
  match: list(httpMatch).nullish(),
  route: routeDestinations().nullish(),
  redirect: object({
    uri: string().nullish(),
    prefixRewrite: string().nullish(),
    authority: string().nullish(),
    port: portNumber().nullish(),
    scheme: string().nullish(),
    redirectCode: z
      .number({ message: 'must be one of 301, 302, 303, 307, 308' })
      .refine((code) => REDIRECT_CODES.includes(code), { message: 'must be one of 301, 302, 303, 307, 308' })
      .nullish(),
  }).nullish(),
  directResponse: object({
    status: integer(200, 599),
    body: object({ string: string().nullish() }).nullish(),
  }).nullish(),
  rewrite: object({ uri: string().nullish(), authority: string().nullish() }).nullish(),
  timeout: duration(0).nullish(),
  retries: object({
    attempts: count().nullish(),
    perTryTimeout: duration(1).nullish(),
    retryOn: retryOn().nullish(),
    backoff: duration(1).nullish(),
  }).nullish(),
  fault: object({
    delay: object({
      fixedDelay: duration(1).nullish(),
      percentage: percentage().nullish(),
      percent: integer(0, 100).nullish(),
    }).nullish(),
    abort: object({
      httpStatus: integer(200, 599).nullish(),
      grpcStatus: grpcStatus().nullish(),
      percentage: percentage().nullish(),
    }).nullish(),
  }).nullish(),
  mirror: destination().nullish(),
  mirrorPercentage: percentage().nullish(),
  mirrorPercent: integer(0, 100).nullish(),
  mirrors: list(object({ destination: destination(), percentage: percentage().nullish() })).nullish(),
  corsPolicy: object({
    allowOrigins: list(stringMatch()).nullish(),
    allowOrigin: list(string()).nullish(),
    allowMethods: list(string()).nullish(),
    allowHeaders: list(string()).nullish(),
    exposeHeaders: list(string()).nullish(),
    maxAge: duration(0).nullish(),
    allowCredentials: boolean().nullish(),
  }).nullish(),
  headers: headersSchema().nullish(),
});

export type HttpRouteSpec = z.output<typeof httpRouteSchema>;
