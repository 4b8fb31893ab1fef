// A DestinationRule trafficPolicy as a model TrafficPolicy. Each field group (loadBalancer,
// connectionPool, outlierDetection, tls) is checked on its own: a group with an error is left out
// and the rest of the policy still applies.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { ClientTls, ConnectionPool, OutlierDetection, TrafficPolicy } from '../../../model/routing.js';
import { boolean, integer, list, object, string } from '../core/fields.js';
import { hasErrors } from '../core/resource.js';
import type { Report } from '../issues.js';
import { validateAt } from '../shared/validate-at.js';
import { count, duration, portSelector } from './istio-fields.js';
import { lowerLoadBalancer } from './load-balancer.js';

const connectionPoolSchema = object({
  tcp: object({ maxConnections: count().nullish(), connectTimeout: duration(1).nullish() }).nullish(),
  http: object({
    http1MaxPendingRequests: count().nullish(),
    http2MaxRequests: count().nullish(),
    maxRequestsPerConnection: count().nullish(),
    maxRetries: count().nullish(),
    idleTimeout: duration(1).nullish(),
  }).nullish(),
});

const uint32 = () => integer(0, 4294967295);

const outlierDetectionSchema = object({
  consecutive5xxErrors: uint32().nullish(),
  consecutiveGatewayErrors: uint32().nullish(),
  interval: duration(1).nullish(),
  baseEjectionTime: duration(1).nullish(),
  maxEjectionPercent: integer(0, 100).nullish(),
});

const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;
const path = () =>
  string()
    .refine((value) => value !== '', { message: 'must be a file path on the proxy' })
    .nullish();
const tlsSchema = object({
  mode: z.enum(TLS_MODES, { message: `must be one of ${TLS_MODES.join(', ')}` }).nullish(),
  clientCertificate: path(),
  privateKey: path(),
  caCertificates: path(),
  credentialName: string().nullish(),
  subjectAltNames: list(string()).nullish(),
  sni: string().nullish(),
  insecureSkipVerify: boolean().nullish(),
}).superRefine((tls, ctx) => {
  const need = (field: 'clientCertificate' | 'privateKey' | 'caCertificates', why: string) => {
    if (tls[field]) return;
    const secret = tls.credentialName ? ' (credentialName is not supported)' : '';
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `is required with mode ${tls.mode}${why}${secret}`,
      params: { reason: 'MissingField', complete: true },
    });
  };
  if (tls.mode === 'MUTUAL') {
    need('clientCertificate', '');
    need('privateKey', '');
  }
  if ((tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && !tls.insecureSkipVerify)
    need('caCertificates', ' unless insecureSkipVerify is true: the system roots are not used');
});

/** The fields only SIMPLE and MUTUAL read. */
const FILE_FIELDS = ['clientCertificate', 'privateKey', 'caCertificates', 'insecureSkipVerify'] as const;

/** The field groups, each checked on its own afterwards. */
const groupsSchema = object({
  loadBalancer: z.unknown(),
  connectionPool: z.unknown(),
  outlierDetection: z.unknown(),
  tls: z.unknown(),
});
const servicePolicySchema = groupsSchema.extend({ portLevelSettings: list(z.unknown()).nullish() });
const portPolicySchema = groupsSchema.extend({ port: portSelector() });

export interface LoweredTrafficPolicy {
  readonly policy?: TrafficPolicy;
  readonly portPolicies?: readonly { readonly port: number; readonly policy: TrafficPolicy }[];
}

/** `portLevel`: whether portLevelSettings are read here (service level) or not (subsets). */
export function lowerTrafficPolicy(
  raw: unknown,
  at: string,
  portLevel: boolean,
  report: Report,
  issues: Issue[],
): LoweredTrafficPolicy {
  if (raw === undefined || raw === null) return {};
  // A subset's portLevelSettings are unsupported (and reported as such), so not checked here.
  if (!portLevel) {
    const checked = validateAt(groupsSchema, raw, at, report);
    if (!checked.ok) {
      issues.push(...checked.issues);
      return {};
    }
    const policy = lowerGroups(checked.data, at, report, issues);
    return policy ? { policy } : {};
  }
  const checked = validateAt(servicePolicySchema, raw, at, report);
  if (!checked.ok) {
    issues.push(...checked.issues);
    return {};
  }
  const policy = lowerGroups(checked.data, at, report, issues);
  const portPolicies: { port: number; policy: TrafficPolicy }[] = [];
  const seen = new Map<number, number>();
  (checked.data.portLevelSettings ?? []).forEach((entry, i) => {
    const where = `${at}.portLevelSettings[${i}]`;
    const head = validateAt(portPolicySchema, entry, where, report);
    if (!head.ok) {
      issues.push(...head.issues);
      return;
    }
    const port = head.data.port.number;
    const first = seen.get(port);
    if (first !== undefined) {
      issues.push(
        report(
          `${where}.port.number`,
          'DuplicateValue',
          `port ${port} already has settings in ${at}.portLevelSettings[${first}]; these are ignored`,
        ),
      );
      return;
    }
    seen.set(port, i);
    portPolicies.push({ port, policy: lowerGroups(head.data, where, report, issues) ?? {} });
  });
  return {
    ...(policy ? { policy } : {}),
    ...(portPolicies.length > 0 ? { portPolicies } : {}),
  };
}

type Groups = z.output<typeof groupsSchema>;

function lowerGroups(groups: Groups, at: string, report: Report, issues: Issue[]): TrafficPolicy | undefined {
  /** Runs one group's lowering with its own issues; an error leaves the group out. */
  const group = <T>(
    raw: unknown,
    field: string,
    lower: (raw: unknown, where: string, local: Issue[]) => T | undefined,
  ) => {
    if (raw === undefined || raw === null) return undefined;
    const local: Issue[] = [];
    const value = lower(raw, `${at}.${field}`, local);
    issues.push(...local);
    return hasErrors(local) ? undefined : value;
  };
  const lb = group(groups.loadBalancer, 'loadBalancer', (raw, where, local) =>
    lowerLoadBalancer(raw, where, report, local),
  );
  const connectionPool = group(groups.connectionPool, 'connectionPool', (raw, where, local) =>
    lowerChecked(connectionPoolSchema, raw, where, report, local, toConnectionPool),
  );
  const outlierDetection = group(groups.outlierDetection, 'outlierDetection', (raw, where, local) =>
    lowerChecked(outlierDetectionSchema, raw, where, report, local, toOutlierDetection),
  );
  // A tls block without a mode is DISABLE, protobuf's default, as Istio reads it.
  const tls = group(groups.tls, 'tls', (raw, where, local) =>
    lowerChecked(tlsSchema, raw, where, report, local, (checked) =>
      toClientTls(checked, where, report, local),
    ),
  );
  const policy: TrafficPolicy = {
    ...(lb?.loadBalancer ? { loadBalancer: lb.loadBalancer } : {}),
    ...(lb?.localityFailover ? { localityFailover: lb.localityFailover } : {}),
    ...(connectionPool ? { connectionPool } : {}),
    ...(outlierDetection ? { outlierDetection } : {}),
    ...(tls ? { tls } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

function toClientTls(
  tls: z.output<typeof tlsSchema>,
  at: string,
  report: Report,
  issues: Issue[],
): ClientTls {
  const mode = tls.mode ?? 'DISABLE';
  const files = mode === 'SIMPLE' || mode === 'MUTUAL';
  for (const field of FILE_FIELDS) {
    if (tls[field] === undefined || tls[field] === null) continue;
    const clientSide = field === 'clientCertificate' || field === 'privateKey';
    if (clientSide ? mode === 'MUTUAL' : files) continue;
    issues.push(
      report(
        `${at}.${field}`,
        'UnsupportedValue',
        `is read only with mode ${clientSide ? 'MUTUAL' : 'SIMPLE or MUTUAL'}; with ${mode} it is ignored`,
        'warning',
      ),
    );
  }
  const sans = tls.subjectAltNames?.filter((name) => name !== '') ?? [];
  return {
    mode,
    ...(mode !== 'DISABLE' && tls.sni ? { sni: tls.sni } : {}),
    ...(mode !== 'DISABLE' && sans.length > 0 ? { subjectAltNames: sans } : {}),
    ...(files && tls.caCertificates && !tls.insecureSkipVerify ? { caCertificates: tls.caCertificates } : {}),
    ...(mode === 'MUTUAL' && tls.clientCertificate ? { clientCertificate: tls.clientCertificate } : {}),
    ...(mode === 'MUTUAL' && tls.privateKey ? { privateKey: tls.privateKey } : {}),
    ...(files && tls.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
  };
}

function lowerChecked<S extends z.ZodTypeAny, T>(
  schema: S,
  raw: unknown,
  at: string,
  report: Report,
  issues: Issue[],
  lower: (value: z.output<S>) => T | undefined,
): T | undefined {
  const checked = validateAt(schema, raw, at, report);
  if (checked.ok) return lower(checked.data);
  issues.push(...checked.issues);
  return undefined;
}

/** Counts of 0 are protobuf's "not set": Istio then applies Envoy's defaults. */
const positive = <K extends string>(key: K, value: number | null | undefined) =>
  (value ? { [key]: value } : {}) as Partial<Record<K, number>>;

function toConnectionPool(pool: z.output<typeof connectionPoolSchema>): ConnectionPool | undefined {
  const tcp = pool.tcp
    ? {
        ...positive('maxConnections', pool.tcp.maxConnections),
        ...positive('connectTimeoutMs', pool.tcp.connectTimeout),
      }
    : {};
  const h = pool.http;
  const http = h
    ? {
        ...positive('http1MaxPendingRequests', h.http1MaxPendingRequests),
        ...positive('http2MaxRequests', h.http2MaxRequests),
        ...positive('maxRequestsPerConnection', h.maxRequestsPerConnection),
        ...positive('maxRetries', h.maxRetries),
        ...positive('idleTimeoutMs', h.idleTimeout),
      }
    : {};
  const result: ConnectionPool = {
    ...(Object.keys(tcp).length > 0 ? { tcp } : {}),
    ...(Object.keys(http).length > 0 ? { http } : {}),
  };
  return Object.keys(result).length > 0 ? result : undefined;
}

function toOutlierDetection(o: z.output<typeof outlierDetectionSchema>): OutlierDetection | undefined {
  // The error counts are wrapped integers in Istio: an explicit 0 turns that kind of ejection off.
  const result: OutlierDetection = {
    ...(typeof o.consecutive5xxErrors === 'number' ? { consecutive5xxErrors: o.consecutive5xxErrors } : {}),
    ...(typeof o.consecutiveGatewayErrors === 'number'
      ? { consecutiveGatewayErrors: o.consecutiveGatewayErrors }
      : {}),
    ...positive('intervalMs', o.interval),
    ...positive('baseEjectionTimeMs', o.baseEjectionTime),
    ...positive('maxEjectionPercent', o.maxEjectionPercent),
  };
  return Object.keys(result).length > 0 ? result : undefined;
}
