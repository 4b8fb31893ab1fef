// The one parser of listen and connect addresses: every HOST:PORT flag (--xds-address,
// --admin-address, proxy-status --admin-address) and the servers' listen() read addresses through
// it, so `:PORT`, `[::1]:PORT` and the error messages are the same everywhere. It lives at the top
// of src/ because both cli/ and the servers import it, and it imports nothing of either.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { fail, ok, type Result } from './model/result.js';

export interface HostPort {
  /** An IPv4 address, an IPv6 address (without brackets) or a host name. */
  readonly host: string;
  /** 0 to 65535; 0 asks the system for a free port. */
  readonly port: number;
}

/** The host of `:PORT`: the ports Trellis opens are reachable only from the same machine unless a host is given. */
export const LOOPBACK = '127.0.0.1';

const EXPECTED = 'expected HOST:PORT, :PORT (loopback) or [IPv6]:PORT, e.g. 127.0.0.1:15010';
// RFC 1123 labels; a name is at most 253 characters.
const HOST_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Reads `HOST:PORT`, `[IPv6]:PORT` or `:PORT`. The last means `defaultHost`, loopback unless told:
 * a port that should answer other machines has to say so (`0.0.0.0:15014`, `[::]:15014`). An
 * error is one sentence naming the value, for the caller to prefix with the flag.
 */
export function parseHostPort(text: string, defaultHost: string = LOOPBACK): Result<HostPort, string> {
  const quoted = JSON.stringify(text);
  if (text.trim() === '') return fail([`the address is empty; ${EXPECTED}`]);
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':')
      return fail([
        `${quoted} is not an address: a bracketed IPv6 host must be followed by :PORT; ${EXPECTED}`,
      ]);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!isIPv6(host)) return fail([`${quoted} is not an address: "${host}" is not an IPv6 address`]);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return fail([`${quoted} has no port; ${EXPECTED}`]);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':'))
      return fail([`${quoted} is not an address: an IPv6 host goes in brackets, e.g. [::1]:15010`]);
    if (host === '') host = defaultHost;
    else if (!isIPv4(host) && (/^[\d.]+$/.test(host) || !HOST_NAME.test(host)))
      return fail([`${quoted} is not an address: "${host}" is not an IP address or a host name`]);
  }
  if (portText === '') return fail([`${quoted} has no port; ${EXPECTED}`]);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port <= 65535))
    return fail([`${quoted} is not an address: the port must be a number from 0 to 65535`]);
  return ok({ host, port });
}

/** `host:port`, with an IPv6 host in brackets: what parseHostPort reads back, and what gRPC and URLs want. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
