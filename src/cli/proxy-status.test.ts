import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import type { ProxySyncStatus, TypeSyncStatus } from '../xds/server/status.js';
import {
  adminBaseUrl,
  fetchSyncz,
  formatProxyStatus,
  proxyStatusCommand,
  syncState,
} from './proxy-status.js';

const WEB = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const CLIENT = 'proxyless~10.0.0.9~client-0.shop~shop.svc.cluster.local';

const synced: TypeSyncStatus = {
  subscribed: '*',
  lastSentVersion: 'v2',
  lastSentNonce: '4',
  lastAckedVersion: 'v2',
};
const stale: TypeSyncStatus = {
  subscribed: '*',
  lastSentVersion: 'v3',
  lastSentNonce: '5',
  lastAckedVersion: 'v2',
};
const nacked: TypeSyncStatus = {
  subscribed: ['8080'],
  lastSentVersion: 'v3',
  lastSentNonce: '6',
  lastAckedVersion: 'v2',
  lastNack: {
    version: 'v3',
    nonce: '6',
    message: 'duplicate route name',
    at: '2025-05-01T10:00:00.000Z',
    resources: { wholeResponse: true, count: 1, names: ['8080'] },
  },
};

function proxy(proxyId: string, types: Record<string, TypeSyncStatus>, more: Partial<ProxySyncStatus> = {}) {
  return {
    proxyId,
    variant: 'sotw',
    kind: 'sidecar',
    namespace: 'shop',
    connectedAt: '2025-05-01T09:00:00.000Z',
    types,
    ...more,
  } satisfies ProxySyncStatus;
}

describe('the sync state of one type', () => {
  it('is SYNCED when the proxy ACKed the version last sent', () => {
    expect(syncState(synced)).toEqual({ kind: 'synced' });
  });

  it('is NOT SENT when the proxy never asked for the type, or asked and got nothing yet', () => {
    expect(syncState(undefined)).toEqual({ kind: 'not-sent' });
    expect(syncState({ subscribed: ['outbound|80||web.shop.svc.cluster.local'] })).toEqual({
      kind: 'not-sent',
    });
  });

  it('is STALE when the version last sent is not ACKed yet', () => {
    expect(syncState(stale)).toEqual({ kind: 'stale' });
    expect(syncState({ subscribed: '*', lastSentVersion: 'v1', lastSentNonce: '1' })).toEqual({
      kind: 'stale',
    });
  });

  it('is NACKED when the proxy rejected the response last sent, with the NACK', () => {
    expect(syncState(nacked)).toEqual({ kind: 'nacked', nack: nacked.lastNack });
  });

  it('is SYNCED again once a later response is ACKed, though the old NACK is kept', () => {
    expect(syncState({ ...synced, lastNack: { ...nacked.lastNack!, nonce: '3' } })).toEqual({
      kind: 'synced',
    });
  });

  it('stays NACKED while the server says the proxy holds the NACK, though more was sent since', () => {
    const later = { ...stale, lastNack: { ...nacked.lastNack!, nonce: '3' } };
    expect(syncState({ ...later, nackHeld: true })).toEqual({ kind: 'nacked', nack: later.lastNack });
    expect(syncState({ ...nacked, nackHeld: false })).toEqual({ kind: 'stale' });
  });

  it('is STALE when a response sent after a NACK is not ACKed yet', () => {
    expect(syncState({ ...stale, lastNack: { ...nacked.lastNack!, nonce: '3' } })).toEqual({ kind: 'stale' });
  });
});

describe('the proxy-status table', () => {
  it('prints one aligned row per proxy, its client, CDS EDS LDS RDS, then every NACK with its error', () => {
    const out = formatProxyStatus([
      proxy(
        WEB,
        {
          [TYPE_URL.cluster]: synced,
          [TYPE_URL.endpoint]: stale,
          [TYPE_URL.listener]: synced,
          [TYPE_URL.route]: nacked,
        },
        { client: 'Envoy 1.30.2' },
      ),
      proxy(
        CLIENT,
        { [TYPE_URL.listener]: synced },
        { variant: 'delta', kind: 'proxyless', client: 'gRPC c-core 1.51.1' },
      ),
    ]);
    expect(out).toBe(
      [
        'NAME                                                      VARIANT   CLIENT               CDS        EDS        LDS      RDS',
        'proxyless~10.0.0.9~client-0.shop~shop.svc.cluster.local   delta     gRPC c-core 1.51.1   NOT SENT   NOT SENT   SYNCED   NOT SENT',
        'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local        sotw      Envoy 1.30.2         SYNCED     STALE      SYNCED   NACKED',
        '',
        'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local RDS NACKED version v3 at 2025-05-01T10:00:00.000Z:',
        '    duplicate route name',
        '    rejected: the whole response, 1 resource: 8080',
        '    shared with no other proxy',
        '',
      ].join('\n'),
    );
  });

  it('says how many other proxies were last sent the rejected version, and how many of them NACKed it too', () => {
    const peer = (i: number) => `sidecar~10.0.0.${20 + i}~web-${i}.shop~shop.svc.cluster.local`;
    const out = formatProxyStatus([
      proxy(WEB, { [TYPE_URL.route]: nacked }),
      // The same version: one NACKed it too (over delta), one ACKed it, one has not answered yet.
      proxy(peer(1), { [TYPE_URL.route]: { ...nacked, lastNack: { ...nacked.lastNack!, nonce: '6' } } }),
      proxy(peer(2), { [TYPE_URL.route]: { ...nacked, lastAckedVersion: 'v3', lastNack: undefined } }),
      proxy(peer(3), { [TYPE_URL.route]: { ...stale, lastSentVersion: 'v3' } }),
      // Another version of the type, or the same version of another type, is not the same content.
      proxy(peer(4), { [TYPE_URL.route]: synced }),
      proxy(peer(5), { [TYPE_URL.listener]: { ...synced, lastSentVersion: 'v3', lastAckedVersion: 'v3' } }),
    ]);
    const lines = out.split('\n');
    const web = lines.indexOf(`${WEB} RDS NACKED version v3 at 2025-05-01T10:00:00.000Z:`);
    expect(lines[web + 3]).toBe('    shared with 3 other proxies, 1 of which NACKed it too');
    expect(out).toContain(`${peer(1)} RDS NACKED version v3`);
    const alone = formatProxyStatus([
      proxy(WEB, { [TYPE_URL.route]: nacked }),
      proxy(peer(2), { [TYPE_URL.route]: { ...nacked, lastAckedVersion: 'v3', lastNack: undefined } }),
    ]);
    expect(alone).toContain('\n    shared with 1 other proxy, which did not NACK it\n');
  });

  it('lists the names a delta response carried, a few of them, and no names when the server sent none', () => {
    const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const out = formatProxyStatus([
      proxy(WEB, {
        [TYPE_URL.cluster]: {
          ...nacked,
          lastNack: { ...nacked.lastNack!, resources: { wholeResponse: false, count: 250, names } },
        },
        // A server from before the rejected resources were reported.
        [TYPE_URL.listener]: { ...nacked, lastNack: { ...nacked.lastNack!, resources: undefined } },
      }),
    ]);
    expect(out).toContain(
      '    duplicate route name\n    rejected: 250 resources: c00, c01, c02, c03, c04 and 245 more\n',
    );
    expect(out).toContain(
      'LDS NACKED version v3 at 2025-05-01T10:00:00.000Z:\n    duplicate route name\n    shared with no other proxy\n',
    );
  });

  it('adds an SDS column when some proxy asked for secrets', () => {
    const out = formatProxyStatus([
      proxy(WEB, { [TYPE_URL.secret]: synced }),
      proxy(CLIENT, { [TYPE_URL.cluster]: synced }),
    ]);
    expect(out.split('\n')[0]).toMatch(/ RDS +SDS$/);
    expect(out.split('\n')[2]).toMatch(/NOT SENT +SYNCED$/);
    expect(out.split('\n')[1]).toMatch(/SYNCED +NOT SENT +NOT SENT +NOT SENT +NOT SENT$/);
  });

  it('adds a ROOTCA column saying which proxies still run with an older trust bundle', () => {
    const out = formatProxyStatus([
      { ...proxy(WEB, { [TYPE_URL.secret]: synced }), trustBundle: 'current' },
      { ...proxy(CLIENT, { [TYPE_URL.secret]: stale }), trustBundle: 'outdated' },
    ]);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/ SDS +ROOTCA$/);
    expect(lines.find((l) => l.startsWith(WEB))).toMatch(/SYNCED +CURRENT$/);
    expect(lines.find((l) => l.startsWith(CLIENT))).toMatch(/STALE +OLD$/);
  });

  it('merges the per-type streams of one proxy into one row, the newest stream winning a type', () => {
    const out = formatProxyStatus([
      proxy(WEB, { [TYPE_URL.cluster]: synced, [TYPE_URL.listener]: stale }),
      proxy(WEB, { [TYPE_URL.listener]: synced }, { connectedAt: '2025-05-01T09:05:00.000Z' }),
      proxy(WEB, { [TYPE_URL.endpoint]: synced }, { connectedAt: '2025-05-01T08:00:00.000Z' }),
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/sotw +- +SYNCED +SYNCED +SYNCED +NOT SENT$/);
  });

  it('keeps a proxy on both protocol variants on two rows', () => {
    const out = formatProxyStatus([
      proxy(WEB, { [TYPE_URL.cluster]: synced }, { variant: 'delta' }),
      proxy(WEB, { [TYPE_URL.cluster]: stale }),
    ]);
    expect(out.trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(/ delta +- +SYNCED/),
      expect.stringMatching(/ sotw +- +STALE/),
    ]);
  });

  it('indents every line of a multi-line NACK message, and says when there was none', () => {
    const out = formatProxyStatus([
      proxy(WEB, {
        [TYPE_URL.cluster]: { ...nacked, lastNack: { ...nacked.lastNack!, message: 'first\nsecond' } },
        [TYPE_URL.listener]: { ...nacked, lastNack: { ...nacked.lastNack!, message: '' } },
      }),
    ]);
    expect(out).toContain('CDS NACKED version v3 at 2025-05-01T10:00:00.000Z:\n    first\n    second\n');
    expect(out).toContain('LDS NACKED version v3 at 2025-05-01T10:00:00.000Z:\n    (no error message)\n');
  });

  it('prints only the header when no proxy is connected', () => {
    expect(formatProxyStatus([])).toBe('NAME   VARIANT   CLIENT   CDS   EDS   LDS   RDS\n');
  });
});

describe('trellis proxy-status against an admin server', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(status: number, body: string): Promise<string> {
    const server = http.createServer((req, res) => {
      // Every page is the same: a server that ignores ?offset=.
      const path = req.url?.split('?')[0];
      res.writeHead(path === '/debug/syncz' ? status : 404, { 'content-type': 'application/json' });
      res.end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function sink() {
    const chunks: string[] = [];
    return { chunks, stream: { write: (c: string) => chunks.push(c) } as unknown as NodeJS.WritableStream };
  }

  async function run(adminAddress: string) {
    const out = sink();
    const err = sink();
    const code = await proxyStatusCommand({ adminAddress }, out.stream, err.stream);
    return { code, stdout: out.chunks.join(''), stderr: err.chunks.join('') };
  }

  it('prints the table from /debug/syncz and exits 0', async () => {
    const address = await serve(200, JSON.stringify([proxy(WEB, { [TYPE_URL.cluster]: synced })]));
    const result = await run(address);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      new RegExp(`^${WEB.replace(/\./g, '\\.')} +sotw +- +SYNCED +NOT SENT`, 'm'),
    );
  });

  it('reads every page of /debug/syncz, up to the empty one, and each stream once', async () => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => proxy(`${WEB}-${name}`, {}));
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      const offset = Number(new URL(req.url ?? '', 'http://admin').searchParams.get('offset') ?? 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(all.slice(offset, offset + 2)));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fetched = await fetchSyncz({ adminAddress: `127.0.0.1:${(server.address() as AddressInfo).port}` });
    expect(fetched).toEqual({ ok: true, proxies: all });
    expect(asked).toEqual([
      '/debug/syncz',
      '/debug/syncz?offset=2',
      '/debug/syncz?offset=4',
      '/debug/syncz?offset=5',
    ]);
  });

  it('stops at a page that adds no stream: a server that ignores the offset', async () => {
    const one = proxy(WEB, { [TYPE_URL.cluster]: synced });
    const fetched = await fetchSyncz({ adminAddress: await serve(200, JSON.stringify([one])) });
    expect(fetched).toEqual({ ok: true, proxies: [one] });
  });

  it('accepts the address as an http URL too', async () => {
    const address = await serve(200, '[]');
    expect((await run(`http://${address}`)).code).toBe(0);
  });

  it('exits 1 with a clear error when nothing answers at the admin address', async () => {
    const address = await serve(200, '[]');
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    const result = await run(address);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^trellis proxy-status: the admin server at ${address} did not answer \\(.*ECONNREFUSED`),
    );
    expect(result.stderr).toContain('is `trellis serve` running there?');
  });

  it('exits 1 naming the status when the admin server answers with an error', async () => {
    const address = await serve(503, '');
    const result = await run(address);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the admin server at ${address} answered 503`);
  });

  it('refuses an answer that is not JSON or not the syncz shape, naming the field', async () => {
    expect((await fetchSyncz({ adminAddress: await serve(200, '<html>') })).ok).toBe(false);
    const wrong = await fetchSyncz({
      adminAddress: await serve(200, JSON.stringify([{ ...proxy(WEB, {}), variant: 'carrier-pigeon' }])),
    });
    expect(wrong).toMatchObject({ ok: false, error: expect.stringContaining('[0].variant') });
  });

  it('refuses an admin address that is not host:port', async () => {
    const result = await run('localhost');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--admin-address: "localhost" has no port');
  });

  it('reads :PORT as loopback', async () => {
    const address = await serve(200, '[]');
    expect((await run(address.slice(address.lastIndexOf(':')))).code).toBe(0);
  });

  it.each([
    ['127.0.0.1:15014', 'http://127.0.0.1:15014/'],
    [':15014', 'http://127.0.0.1:15014/'],
    ['[::1]:15014', 'http://[::1]:15014/'],
    ['localhost:15014', 'http://localhost:15014/'],
    ['https://admin.example:8443/', 'https://admin.example:8443/'],
    ['HTTP://127.0.0.1:15014', 'http://127.0.0.1:15014/'],
  ])('takes %j as the admin server at %s', (address, url) => {
    expect(adminBaseUrl(address)).toEqual({ ok: true, value: new URL(url) });
  });

  it.each([
    ['localhost', /"localhost" has no port/],
    ['ftp://host:21', /"ftp:\/\/host:21" is not an http or https URL/],
    ['http://[', /"http:\/\/\[" is not a valid URL/],
    ['::1:15014', /an IPv6 host goes in brackets/],
  ])('refuses %j', (address, reason) => {
    const result = adminBaseUrl(address);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join()).toMatch(reason);
  });
});
