// What the traffic-redirect init container must capture, read from the pod's annotations. Pure: no
// I/O, no clock. Every bad value is an error naming the annotation, the bad item and why; nothing
// here throws, whatever the annotations hold (the webhook then leaves the pod alone, with the errors).
//
// Defaults are Istio's: every inbound TCP port is captured except the sidecar's own, and all
// outbound TCP is captured. Decisions, each where it is applied below:
// - ports are decimal 1-65535, one per item (no ranges), duplicates dropped, sorted;
// - a range is a CIDR or a bare address (a /32 or /128 host); host bits are allowed and cleared
//   (10.1.2.3/8 is 10.0.0.0/8), as iptables itself does, so what we render is what iptables-save
//   shows back; an IPv4 octet with a leading zero is refused (octal to some parsers);
// - `*` is the whole value or nothing; an empty value of an exclude annotation excludes nothing; an
//   empty include-outbound-ip-ranges includes nothing (no outbound capture), as in Istio;
// - an IPv6 range is kept but rendered only for a dual-stack pod (IPv6 rules exist only then).

import { isIPv4, isIPv6 } from 'node:net';
import { fail, ok, type Result } from '../model/result.js';
import { PROBE_PORT } from './probe-rewrite.js';
import { ADMIN_PORT, READINESS_PORT, STATS_PORT } from './sidecar-layout.js';

export const EXCLUDE_INBOUND_PORTS = 'trellis.dev/exclude-inbound-ports';
export const EXCLUDE_OUTBOUND_PORTS = 'trellis.dev/exclude-outbound-ports';
export const EXCLUDE_OUTBOUND_IP_RANGES = 'trellis.dev/exclude-outbound-ip-ranges';
export const INCLUDE_OUTBOUND_IP_RANGES = 'trellis.dev/include-outbound-ip-ranges';
/** Not an annotation: the pod's addresses, which say whether it is dual-stack. */
export const POD_IPS_FIELD = 'status.podIPs';

/** The sidecar's user and group: its own connections are never captured. */
export const PROXY_UID = 1337;
export const PROXY_GID = 1337;
/**
 * Ports of the sidecar that must be reached on the pod's address without going through 15006:
 * admin (bound to 127.0.0.1, so this only keeps the answer a plain refusal), kubelet's rewritten
 * probes (PROBE_PORT in probe-rewrite.ts), readiness and Prometheus stats. 15001 and 15006 are
 * deliberately captured: a client outside the pod must never reach the outbound listener directly,
 * and virtualInbound refuses a connection addressed to 15006 itself (inbound.ts).
 */
export const SIDECAR_INBOUND_PORTS: readonly number[] = [ADMIN_PORT, PROBE_PORT, READINESS_PORT, STATS_PORT];

/**
 * Bounds on an annotation. The rules reach the init container as one environment variable, and
 * Linux refuses a single one over 128 KiB (MAX_ARG_STRLEN): 256 items in each of the four annotations
 * render to under 90 KiB per family (a test measures the worst case). Past a few hundred entries
 * a wider CIDR is the answer anyway: iptables walks the rules in order for each new connection.
 */
export const MAX_ITEMS = 256;
export const MAX_VALUE_LENGTH = 16 * 1024;
/** Bad items named per annotation; the rest are counted in one more error. */
const MAX_ITEM_ERRORS = 5;

export type IpFamily = 'ipv4' | 'ipv6';

export interface Cidr {
  readonly family: IpFamily;
  /** The network address in canonical form: dotted quad, or RFC 5952 IPv6. */
  readonly address: string;
  readonly prefix: number;
}

export type Ranges = 'all' | readonly Cidr[];

export interface RedirectConfig {
  /** Inbound capture, or none at all (exclude-inbound-ports: "*"). */
  readonly inbound:
    | { readonly capture: false }
    | { readonly capture: true; readonly excludePorts: readonly number[] };
  readonly outbound: {
    readonly excludePorts: readonly number[];
    readonly excludeRanges: Ranges;
    /** Where outbound traffic is captured: everywhere, or only these ranges (none: no capture). */
    readonly includeRanges: Ranges;
  };
  /** Whether ip6tables rules are made: the pod has an IPv6 address. */
  readonly ipv6: boolean;
}

export interface RedirectError {
  /** The annotation, or status.podIPs. */
  readonly field: string;
  /** The offending item, as written (shortened), when one item is to blame. */
  readonly item?: string;
  readonly reason: 'InvalidValue' | 'LimitExceeded';
  /** One sentence naming the field, the item and why. */
  readonly message: string;
}

const quote = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);

function itemError(field: string, item: string, why: string): RedirectError {
  const shown = item.length > 64 ? `${item.slice(0, 64)}…` : item;
  return { field, item: shown, reason: 'InvalidValue', message: `${field}: ${quote(item)} ${why}` };
}

/** A port, or why the item is not one. */
function parsePort(item: string): number | string {
  if (/^\d+[-:]\d+$/.test(item)) return 'is a port range; list each port (ranges are not supported)';
  if (!/^\d+$/.test(item)) return 'is not a port: expected a decimal number from 1 to 65535';
  const port = item.length > 5 ? Number.POSITIVE_INFINITY : Number(item);
  if (port < 1 || port > 65535) return 'is out of range: a port is from 1 to 65535';
  return port;
}

function ipv4Bytes(text: string): number[] | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').map(Number);
}

/** 16 bytes of an IPv6 address (node:net has checked the syntax), a dotted IPv4 tail included. */
function ipv6Bytes(text: string): number[] | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let head = text;
  const tail: number[] = [];
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail.push(...v4);
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const zeros = right === undefined ? 0 : 8 - tail.length / 2 - l.length - r.length;
  const bytes = [...l, ...Array<number>(zeros).fill(0), ...r].flatMap((g) => [g >> 8, g & 0xff]);
  bytes.push(...tail);
  return bytes.length === 16 ? bytes : undefined;
}

/** RFC 5952: lower case, no leading zeros, the first longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(bytes: readonly number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  // glibc's inet_ntop, which ip6tables-save prints with, writes IPv4-compatible and IPv4-mapped
  // addresses with a dotted tail (RFC 5952 section 5); so do we, to read back the same text.
  if (best === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff)))
    return `::${bestLength === 5 ? 'ffff:' : ''}${bytes.slice(12).join('.')}`;
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}

/** A range, or why the item is not one. */
function parseCidr(item: string): Cidr | string {
  const slash = item.indexOf('/');
  const addressText = slash < 0 ? item : item.slice(0, slash);
  const prefixText = slash < 0 ? undefined : item.slice(slash + 1);
  const v4 = ipv4Bytes(addressText);
  const bytes = v4 ?? ipv6Bytes(addressText);
  if (!bytes) {
    if (/^[\d.]+$/.test(addressText) && addressText.split('.').some((o) => /^0\d/.test(o)))
      return 'is not a CIDR: an IPv4 octet has a leading zero (octal to some parsers)';
    return 'is not a CIDR: expected an IPv4 or IPv6 address with an optional /prefix, e.g. 10.0.0.0/8 or fd00::/8';
  }
  const family: IpFamily = v4 ? 'ipv4' : 'ipv6';
  const bits = bytes.length * 8;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText))
      return `is not a CIDR: the prefix length must be a number from 0 to ${bits}`;
    prefix = Number(prefixText);
    if (prefix > bits)
      return `is not a CIDR: the prefix length ${prefix} is over ${bits} for an ${family} address`;
  }
  // Host bits cleared: iptables stores the network, and we render what it will show.
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const address = family === 'ipv4' ? masked.join('.') : formatIpv6(masked);
  return { family, address, prefix };
}

function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  const key = (c: Cidr): string =>
    (c.family === 'ipv4' ? (ipv4Bytes(c.address) ?? []) : (ipv6Bytes(c.address) ?? []))
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.prefix - b.prefix;
}

/**
 * Reads one list annotation: undefined when absent, 'all' for `*` (when allowed), else the parsed
 * items. Errors are pushed onto `errors`.
 */
function readList<T>(
  annotations: Readonly<Record<string, unknown>>,
  field: string,
  parse: (item: string) => T | string,
  wildcard: boolean,
  errors: RedirectError[],
): 'all' | T[] | undefined {
  if (!Object.hasOwn(annotations, field)) return undefined;
  const value = annotations[field];
  if (typeof value !== 'string') {
    errors.push({ field, reason: 'InvalidValue', message: `${field}: the value must be a string` });
    return [];
  }
  if (value.length > MAX_VALUE_LENGTH) {
    errors.push({
      field,
      reason: 'LimitExceeded',
      message: `${field}: the value is ${value.length} characters long, over the limit of ${MAX_VALUE_LENGTH}`,
    });
    return [];
  }
  const trimmed = value.trim();
  if (trimmed === '') return [];
  if (trimmed === '*') {
    if (wildcard) return 'all';
    errors.push(itemError(field, '*', 'is not accepted here: list the ports to exclude'));
    return [];
  }
  const items = trimmed.split(',').map((s) => s.trim());
  if (items.length > MAX_ITEMS) {
    errors.push({
      field,
      reason: 'LimitExceeded',
      message: `${field}: ${items.length} items, over the limit of ${MAX_ITEMS}; use wider ranges`,
    });
    return [];
  }
  const out: T[] = [];
  let bad = 0;
  for (const item of items) {
    let why: string | undefined;
    if (item === '') why = 'is an empty item: remove the extra comma';
    else if (item === '*') why = 'must be the whole value, not one item of a list';
    else {
      const parsed = parse(item);
      if (typeof parsed === 'string') why = parsed;
      else out.push(parsed);
    }
    if (why === undefined) continue;
    bad++;
    if (bad <= MAX_ITEM_ERRORS) errors.push(itemError(field, item, why));
  }
  if (bad > MAX_ITEM_ERRORS)
    errors.push({
      field,
      reason: 'InvalidValue',
      message: `${field}: ${bad - MAX_ITEM_ERRORS} more bad items not listed`,
    });
  return out;
}

const sortedPorts = (ports: readonly number[]): number[] => [...new Set(ports)].sort((a, b) => a - b);

function sortedCidrs(cidrs: readonly Cidr[]): Cidr[] {
  const seen = new Map(cidrs.map((c) => [`${c.address}/${c.prefix}`, c]));
  return [...seen.values()].sort(compareCidr);
}

const ranges = (list: 'all' | Cidr[]): Ranges => (list === 'all' ? 'all' : sortedCidrs(list));

/**
 * The redirect configuration of a pod. `podIps` are its addresses (status.podIPs, or the families the
 * cluster gives pods when the pod has none yet): an IPv6 one among them turns IPv6 rules on.
 */
export function redirectConfig(
  annotations: Readonly<Record<string, unknown>> | undefined,
  podIps: readonly string[],
): Result<RedirectConfig, RedirectError> {
  const a = annotations ?? {};
  const errors: RedirectError[] = [];
  const inbound = readList(a, EXCLUDE_INBOUND_PORTS, parsePort, true, errors);
  const outPorts = readList(a, EXCLUDE_OUTBOUND_PORTS, parsePort, false, errors);
  const exclude = readList(a, EXCLUDE_OUTBOUND_IP_RANGES, parseCidr, true, errors);
  const include = readList(a, INCLUDE_OUTBOUND_IP_RANGES, parseCidr, true, errors);
  let ipv6 = false;
  for (const ip of podIps) {
    if (isIPv6(ip)) ipv6 = true;
    else if (!isIPv4(ip)) errors.push(itemError(POD_IPS_FIELD, ip, 'is not an IP address'));
  }
  if (errors.length > 0) return fail(errors);
  return ok({
    inbound:
      inbound === 'all' ? { capture: false } : { capture: true, excludePorts: sortedPorts(inbound ?? []) },
    outbound: {
      excludePorts: sortedPorts(outPorts === 'all' ? [] : (outPorts ?? [])),
      excludeRanges: ranges(exclude ?? []),
      includeRanges: ranges(include ?? 'all'),
    },
    ipv6,
  });
}
