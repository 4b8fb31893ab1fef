// `trellis proxy-status`: every connected proxy and, per xDS type, whether it has what we last sent,
// read from a running server's /debug/syncz, the way `istioctl proxy-status` shows it. A NACK is
// spelled out: what was rejected, the proxy's message, and how many other proxies got the same.
import { z } from 'zod';
import { formatHostPort, parseHostPort } from '../address.js';
import { fail, ok, type Result } from '../model/result.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import type {
  NackStatus,
  ProxySyncStatus,
  RejectedResources,
  TypeSyncStatus,
  XdsVariant,
} from '../xds/server/status.js';

export interface ProxyStatusOptions {
  /** host:port of the admin server (address.ts: `:port` is loopback), or a base URL (http://…). */
  readonly adminAddress: string;
  /** How long to wait for an answer. */
  readonly timeoutMs?: number;
}

export type SyncState =
  | { readonly kind: 'synced' }
  | { readonly kind: 'not-sent' }
  | { readonly kind: 'stale' }
  | { readonly kind: 'nacked'; readonly nack: NackStatus };

const LABELS: Readonly<Record<SyncState['kind'], string>> = {
  synced: 'SYNCED',
  'not-sent': 'NOT SENT',
  stale: 'STALE',
  nacked: 'NACKED',
};

// Push order (make before break); SDS only when some proxy asked for secrets.
const COLUMNS = [
  ['CDS', TYPE_URL.cluster],
  ['EDS', TYPE_URL.endpoint],
  ['LDS', TYPE_URL.listener],
  ['RDS', TYPE_URL.route],
] as const;
const SDS_COLUMN = ['SDS', TYPE_URL.secret] as const;

const DEFAULT_TIMEOUT_MS = 5_000;
/** Rejected resource names printed per NACK; the server keeps up to 20, a line is enough here. */
const NAMES_SHOWN = 5;

/** Where one type of one proxy stands, from what the server sent and what the proxy answered. */
export function syncState(type: TypeSyncStatus | undefined): SyncState {
  if (type?.lastSentNonce === undefined || type.lastSentVersion === undefined) return { kind: 'not-sent' };
  // The proxy holds the NACK until it accepts a later version (servers before nackHeld: until
  // anything is sent after it).
  const held = type.nackHeld ?? type.lastNack?.nonce === type.lastSentNonce;
  if (type.lastNack && held) return { kind: 'nacked', nack: type.lastNack };
  if (type.lastAckedVersion === type.lastSentVersion) return { kind: 'synced' };
  return { kind: 'stale' };
}

interface Row {
  readonly proxyId: string;
  readonly variant: XdsVariant;
  readonly client?: string;
  readonly types: Readonly<Record<string, TypeSyncStatus>>;
  trustBundle?: 'current' | 'outdated';
}

/**
 * One row per proxy and protocol variant. A proxy on the per-type services has a stream per type,
 * and one that reconnected may briefly have two: the newest stream's view of a type wins.
 */
function rowsOf(proxies: readonly ProxySyncStatus[]): Row[] {
  const byKey = new Map<
    string,
    {
      proxyId: string;
      variant: XdsVariant;
      client?: string;
      types: Record<string, TypeSyncStatus>;
      trustBundle?: 'current' | 'outdated';
    }
  >();
  const oldestFirst = [...proxies].sort((a, b) => compare(a.connectedAt, b.connectedAt));
  for (const proxy of oldestFirst) {
    const key = `${proxy.proxyId}\n${proxy.variant}`;
    const row = byKey.get(key) ?? { proxyId: proxy.proxyId, variant: proxy.variant, types: {} };
    Object.assign(row.types, proxy.types);
    if (proxy.client !== undefined) row.client = proxy.client;
    if (proxy.trustBundle !== undefined) row.trustBundle = proxy.trustBundle;
    byKey.set(key, row);
  }
  return [...byKey.values()].sort((a, b) => compare(a.proxyId, b.proxyId) || compare(a.variant, b.variant));
}

/** The table (columns aligned), then each NACK with its error: what the command prints. */
export function formatProxyStatus(proxies: readonly ProxySyncStatus[]): string {
  const rows = rowsOf(proxies);
  const shared = sharing(rows);
  const columns = rows.some((r) => r.types[TYPE_URL.secret] !== undefined)
    ? [...COLUMNS, SDS_COLUMN]
    : COLUMNS;
  // During a root rotation: which proxies run with the bundle they are offered, which with an older one.
  const bundles = rows.some((r) => r.trustBundle !== undefined);
  const table: string[][] = [
    ['NAME', 'VARIANT', 'CLIENT', ...columns.map(([name]) => name), ...(bundles ? ['ROOTCA'] : [])],
  ];
  const nacks: string[] = [];
  for (const row of rows) {
    const cells = [row.proxyId, row.variant, row.client ?? '-'];
    for (const [name, typeUrl] of columns) {
      const state = syncState(row.types[typeUrl]);
      cells.push(LABELS[state.kind]);
      if (state.kind === 'nacked')
        nacks.push(
          describeNack(row.proxyId, name, state.nack, shared(row.proxyId, typeUrl, state.nack.version)),
        );
    }
    if (bundles)
      cells.push(row.trustBundle === 'current' ? 'CURRENT' : row.trustBundle === 'outdated' ? 'OLD' : '-');
    table.push(cells);
  }
  const lines = alignColumns(table);
  if (nacks.length > 0) lines.push('', ...nacks);
  return `${lines.join('\n')}\n`;
}

interface Shared {
  /** Other proxies last sent the type at the rejected version. */
  readonly others: number;
  /** Those of them that NACKed that version too. */
  readonly nacked: number;
}

/**
 * Who else has the content a proxy rejected: the other proxies whose last sent version of the type
 * is the rejected one. Many means the content is at fault if they NACKed it too, the proxy if not.
 */
function sharing(rows: readonly Row[]): (proxyId: string, typeUrl: string, version: string) => Shared {
  const sentTo = new Map<string, Set<string>>();
  const nackedBy = new Map<string, Set<string>>();
  const add = (index: Map<string, Set<string>>, key: string, proxyId: string) => {
    const ids = index.get(key) ?? new Set<string>();
    ids.add(proxyId);
    index.set(key, ids);
  };
  for (const row of rows) {
    for (const [typeUrl, type] of Object.entries(row.types)) {
      if (type.lastSentVersion !== undefined) add(sentTo, `${typeUrl}\n${type.lastSentVersion}`, row.proxyId);
      const state = syncState(type);
      if (state.kind === 'nacked') add(nackedBy, `${typeUrl}\n${state.nack.version}`, row.proxyId);
    }
  }
  // A NACKED type was sent nothing since, so whoever NACKed a version was last sent it: nackedBy's
  // sets are within sentTo's, and counting the others is a subtraction.
  const othersIn = (ids: Set<string> | undefined, proxyId: string) =>
    (ids?.size ?? 0) - (ids?.has(proxyId) ? 1 : 0);
  return (proxyId, typeUrl, version) => {
    const key = `${typeUrl}\n${version}`;
    return { others: othersIn(sentTo.get(key), proxyId), nacked: othersIn(nackedBy.get(key), proxyId) };
  };
}

function describeNack(proxyId: string, typeName: string, nack: NackStatus, shared: Shared): string {
  const message = nack.message === '' ? '(no error message)' : nack.message.replace(/\n/g, '\n    ');
  const lines = [`${proxyId} ${typeName} NACKED version ${nack.version} at ${nack.at}:`, `    ${message}`];
  if (nack.resources) lines.push(`    rejected: ${describeResources(nack.resources)}`);
  lines.push(`    ${describeShared(shared)}`);
  return lines.join('\n');
}

function describeResources({ wholeResponse, count, names }: RejectedResources): string {
  const what = `${count} ${count === 1 ? 'resource' : 'resources'}`;
  const scope = wholeResponse ? `the whole response, ${what}` : what;
  const shown = names.slice(0, NAMES_SHOWN);
  if (shown.length === 0) return scope;
  const more = count - shown.length;
  return `${scope}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function describeShared({ others, nacked }: Shared): string {
  if (others === 0) return 'shared with no other proxy';
  if (others === 1) return `shared with 1 other proxy, which ${nacked ? 'NACKed it too' : 'did not NACK it'}`;
  return `shared with ${others} other proxies, ${nacked || 'none'} of which NACKed it${nacked ? ' too' : ''}`;
}

function alignColumns(table: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const cells of table)
    cells.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return table.map((cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd(),
  );
}

const nackSchema = z.object({
  version: z.string(),
  nonce: z.string(),
  message: z.string(),
  at: z.string(),
  // Older servers do not send it.
  resources: z
    .object({ wholeResponse: z.boolean(), count: z.number(), names: z.array(z.string()) })
    .optional(),
});
const typeSchema = z.object({
  subscribed: z.union([z.literal('*'), z.array(z.string())]),
  lastSentVersion: z.string().optional(),
  lastSentNonce: z.string().optional(),
  lastAckedVersion: z.string().optional(),
  lastNack: nackSchema.optional(),
  nackHeld: z.boolean().optional(),
});
const synczSchema = z.array(
  z.object({
    proxyId: z.string(),
    variant: z.enum(['sotw', 'delta']),
    kind: z.enum(['sidecar', 'proxyless']),
    client: z.string().optional(),
    namespace: z.string(),
    connectedAt: z.string(),
    types: z.record(typeSchema),
  }),
);

type Fetched =
  | { readonly ok: true; readonly proxies: ProxySyncStatus[] }
  | { readonly ok: false; readonly error: string };

// Pages of /debug/syncz read at most: a million streams at the server's default of 1,000 a page.
const MAX_SYNCZ_PAGES = 1_000;

/**
 * GET every page of /debug/syncz and check its shape; every failure is a sentence for the user.
 * The server answers a bounded page at a time (`?offset=`), and an empty page after the last.
 * Streams that come or go between two pages shift them: a stream seen twice is kept once, and a
 * page that adds no stream (an empty one, or a server that ignores the offset) ends the reading.
 */
export async function fetchSyncz(options: ProxyStatusOptions): Promise<Fetched> {
  const proxies: ProxySyncStatus[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (let page = 0; page < MAX_SYNCZ_PAGES; page++) {
    const fetched = await fetchSynczPage(options, offset);
    if (!fetched.ok) return fetched;
    const before = proxies.length;
    for (const proxy of fetched.proxies) {
      const stream = `${proxy.proxyId}\n${proxy.variant}\n${proxy.connectedAt}`;
      if (seen.has(stream)) continue;
      seen.add(stream);
      proxies.push(proxy);
    }
    if (proxies.length === before) break;
    offset += fetched.proxies.length;
  }
  return { ok: true, proxies };
}

/** One page of /debug/syncz from `offset` (the first names none, which any server answers). */
async function fetchSynczPage(options: ProxyStatusOptions, offset: number): Promise<Fetched> {
  const base = adminBaseUrl(options.adminAddress);
  if (!base.ok) return { ok: false, error: `--admin-address: ${base.errors.join('; ')}` };
  const url = new URL('/debug/syncz', base.value);
  if (offset > 0) url.searchParams.set('offset', String(offset));
  const where = `the admin server at ${options.adminAddress}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const why = describeFetchError(err, timeoutMs);
    return { ok: false, error: `${where} did not answer (${why}); is \`trellis serve\` running there?` };
  }
  if (!res.ok)
    return { ok: false, error: `${where} answered ${res.status} ${res.statusText} for ${url.pathname}` };
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `${where} sent a /debug/syncz that is not JSON (${why})` };
  }
  const parsed = synczSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('') ?? '';
    return {
      ok: false,
      error: `${where} sent an unexpected /debug/syncz: ${path || '(root)'}: ${first?.message}`,
    };
  }
  return { ok: true, proxies: parsed.data };
}

export async function proxyStatusCommand(
  options: ProxyStatusOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const fetched = await fetchSyncz(options);
  if (!fetched.ok) {
    err.write(`trellis proxy-status: ${fetched.error}\n`);
    return 1;
  }
  out.write(formatProxyStatus(fetched.proxies));
  return 0;
}

/** The admin server's base URL from --admin-address: HOST:PORT, :PORT, [IPv6]:PORT or an http(s) URL. */
export function adminBaseUrl(address: string): Result<URL, string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    if (!/^https?:\/\//i.test(address))
      return fail([`${JSON.stringify(address)} is not an http or https URL`]);
    try {
      return ok(new URL(address));
    } catch {
      return fail([`${JSON.stringify(address)} is not a valid URL`]);
    }
  }
  const hostPort = parseHostPort(address);
  return hostPort.ok ? ok(new URL(`http://${formatHostPort(hostPort.value)}`)) : hostPort;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause.
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
