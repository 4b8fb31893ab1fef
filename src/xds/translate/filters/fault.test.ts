import { describe, expect, it } from 'vitest';
import type { RouteConfiguration } from '../../../generated/envoy/config/route/v3/RouteConfiguration.js';
import { encodeResource } from '../../envoy/resource-codec.js';
import { TYPE_URL } from '../../envoy/type-urls.js';
import { FAULT_TYPE, httpFault } from './fault.js';

describe('fault injection', () => {
  it('delays and aborts the share of requests asked for', () => {
    expect(
      httpFault({
        delay: { fixedMs: 250, percent: 0.25 },
        abort: { kind: 'grpc', status: 14, percent: 100 },
      }),
    ).toEqual({
      delay: { fixed_delay: '0.250s', percentage: { numerator: 2500, denominator: 'MILLION' } },
      abort: { grpc_status: 14, percentage: { numerator: 100, denominator: 'HUNDRED' } },
    });
  });

  it('leaves out a zero delay and an HTTP status Envoy would refuse, rather than the whole configuration', () => {
    expect(httpFault({ delay: { fixedMs: 0, percent: 5 } })).toBeUndefined();
    expect(httpFault({ abort: { kind: 'http', status: 100, percent: 5 } })).toBeUndefined();
  });

  it('would be refused by the encoder with such a status, so the check matters', () => {
    const withStatus = (status: number): RouteConfiguration => ({
      name: 'r',
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/' },
              route: { cluster: 'c' },
              typed_per_filter_config: {
                'envoy.filters.http.fault': {
                  '@type': FAULT_TYPE,
                  abort: { http_status: status, percentage: { numerator: 1 } },
                },
              },
            },
          ],
        },
      ],
    });
    expect(encodeResource(TYPE_URL.route, withStatus(503)).ok).toBe(true);
    const refused = encodeResource(TYPE_URL.route, withStatus(100));
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('http_status');
  });
});
