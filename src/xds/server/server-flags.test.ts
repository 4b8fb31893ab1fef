import { describe, expect, it } from 'vitest';
import { readXdsServerFlags, XDS_SERVER_FLAGS, xdsServerUsage } from './server-flags.js';
import { BUDGET_FLAGS } from './stream-limits.js';

describe('the xDS budget and timeout flags of trellis serve', () => {
  it('has one flag per budget, and the connection timeouts', () => {
    expect(Object.keys(XDS_SERVER_FLAGS).sort()).toEqual(
      [
        ...Object.values(BUDGET_FLAGS).map((f) => f.slice(2)),
        'xds-idle-timeout',
        'xds-keepalive',
        'xds-keepalive-timeout',
      ].sort(),
    );
  });

  it('reads sizes, counts and durations, and leaves out what is not given', () => {
    expect(
      readXdsServerFlags({
        'xds-max-name-bytes': '32Mi',
        'xds-max-streams': '5000',
        'xds-max-request-bytes': '65536',
        'xds-idle-timeout': '0',
        'xds-keepalive': '1m',
        manifests: 'dir',
      }),
    ).toEqual({
      ok: true,
      value: {
        budgets: { nameBytesPerStream: 32 * 1024 * 1024, streams: 5000, requestBytes: 65536 },
        connections: { idleMs: 0, keepaliveMs: 60_000 },
      },
    });
  });

  it('refuses a budget of 0 or a count that is not a whole number, naming each flag', () => {
    const result = readXdsServerFlags({
      'xds-max-node-id-bytes': '0',
      'xds-max-streams-per-connection': '1.5',
      'xds-keepalive-timeout': 'soon',
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([
      '--xds-max-streams-per-connection: "1.5" is not a whole number of at least 1',
      '--xds-max-node-id-bytes: a budget must be at least 1 byte',
      '--xds-keepalive-timeout: "soon" is not a duration like 100ms, 1s, 2m or 24h',
    ]);
  });

  it('shows each default in the usage', () => {
    const usage = xdsServerUsage('  ');
    for (const text of [
      '[--xds-max-name-bytes 16Mi]',
      '[--xds-max-streams-per-connection 100]',
      '[--xds-max-streams 100000]',
      '[--xds-max-node-id-bytes 4Ki]',
      '[--xds-max-node-metadata-bytes 1Mi]',
      '[--xds-max-request-bytes 4Mi]',
      '[--xds-idle-timeout 10s]',
      '[--xds-keepalive 30s]',
      '[--xds-keepalive-timeout 20s]',
    ])
      expect(usage).toContain(text);
  });
});
