// PGV's `well_known` string formats. Envoy runs PGV's C++ validators, so where the Go and C++
// implementations disagree (an IPv4-mapped IPv6 address passes Go's `ipv4`), C++ (inet_pton) wins.

const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Dotted quad, no leading zeros (inet_pton's AF_INET). */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

function ipv6Groups(part: string, allowIpv4Tail: boolean): number | undefined {
  if (part === '') return 0;
  const groups = part.split(':');
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    if (allowIpv4Tail && i === groups.length - 1 && g.includes('.')) {
      if (!isIpv4(g)) return undefined;
      count += 2;
    } else if (HEX_GROUP.test(g)) {
      count += 1;
    } else {
      return undefined;
    }
  }
  return count;
}

/** RFC 4291 text form, with `::` and an IPv4 tail, no zone (inet_pton's AF_INET6). */
export function isIpv6(s: string): boolean {
  const gap = s.indexOf('::');
  if (gap < 0) return ipv6Groups(s, true) === 8;
  if (s.indexOf('::', gap + 1) >= 0) return false;
  const left = ipv6Groups(s.slice(0, gap), false);
  const right = ipv6Groups(s.slice(gap + 2), true);
  return left !== undefined && right !== undefined && left + right <= 7;
}

export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** RFC 1034 host name (no IDNs); undefined when valid, else why not. */
export function hostnameProblem(host: string): string | undefined {
  if (host.length > 253) return 'hostname cannot exceed 253 characters';
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  for (const label of name.split('.')) {
    if (label.length === 0 || label.length > 63) return 'hostname labels must be 1 to 63 characters';
    if (label.startsWith('-') || label.endsWith('-')) return 'hostname labels cannot begin or end with "-"';
    if (!/^[a-z0-9-]+$/.test(label)) return 'hostname labels can only contain letters, digits and "-"';
  }
  return undefined;
}

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^(?:${ATOM}(?:\\.${ATOM})*|"(?:[^"\\\\\\r\\n]|\\\\.)*")$`);

/** RFC 5322 address (optionally "Name <addr>"), local part ≤ 64, whole ≤ 254, domain a host name. */
export function emailProblem(text: string): string | undefined {
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(text);
  const addr = angle ? (angle[1] as string) : text.trim();
  const at = addr.lastIndexOf('@');
  if (at <= 0) return 'missing local part or "@"';
  if (addr.length > 254) return 'email address cannot exceed 254 characters';
  const local = addr.slice(0, at);
  if (local.length > 64) return 'local part cannot exceed 64 characters';
  if (!LOCAL_PART.test(local)) return 'malformed local part';
  return hostnameProblem(addr.slice(at + 1));
}

const UNRESERVED_SUB_DELIMS = "A-Za-z0-9\\-._~!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PATH = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}:@/]|${PCT})*$`);
const QUERY = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}:@/?]|${PCT})*$`);
const USERINFO = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}:]|${PCT})*$`);
const REG_NAME = new RegExp(`^(?:[${UNRESERVED_SUB_DELIMS}]|${PCT})*$`);

function authorityProblem(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !USERINFO.test(authority.slice(0, at))) return 'malformed userinfo';
  const hostPort = authority.slice(at + 1);
  let host = hostPort;
  let port = '';
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return 'unterminated IP literal';
    host = hostPort.slice(1, close);
    port = hostPort.slice(close + 1);
    if (port !== '' && !port.startsWith(':')) return 'junk after IP literal';
    port = port.slice(1);
    if (!isIpv6(host) && !/^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/.test(host))
      return 'malformed IP literal';
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
    if (!REG_NAME.test(host)) return 'malformed host';
  }
  if (!/^[0-9]*$/.test(port)) return 'malformed port';
  return undefined;
}

/** RFC 3986 URI (scheme required) or URI reference; undefined when valid, else why not. */
export function uriProblem(text: string, requireScheme: boolean): string | undefined {
  let rest = text;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (!QUERY.test(rest.slice(hash + 1))) return 'malformed fragment';
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  if (question >= 0) {
    if (!QUERY.test(rest.slice(question + 1))) return 'malformed query';
    rest = rest.slice(0, question);
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
  } else {
    if (requireScheme) return 'missing scheme';
    // In a relative reference a colon before the first "/" would read as a scheme.
    const colon = rest.indexOf(':');
    if (colon >= 0 && (rest.indexOf('/') < 0 || colon < rest.indexOf('/'))) return 'malformed scheme';
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    const problem = authorityProblem(authority);
    if (problem) return problem;
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return PATH.test(rest) ? undefined : 'malformed path';
}

// PGV's well_known_regex patterns (validate.proto's KnownRegex), verbatim including the `+-.`
// range that admits ",": the point is to accept exactly what Envoy accepts.
export const HTTP_HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the rule
export const HTTP_HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
/** `strict: false`: only NUL, CR and LF are refused, for names and values alike. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the rule
export const HTTP_HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
