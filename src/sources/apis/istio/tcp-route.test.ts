import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

function lower(tcp: string) {
  const text = `
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: mysql, namespace: db }
spec:
  hosts: [mysql]
  tcp:
${tcp}`;
  const docs = parseAllDocuments(text).map((d, i) => ({
    origin: 'tcp.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));
  const { fragment, issues } = istioFamily.parse(docs, { clusterDomain: 'cluster.local' });
  return { tcp: fragment.routes?.[0]?.tcp ?? [], messages: sortIssues(issues).map(formatIssue) };
}

const origin = { kind: 'VirtualService', namespace: 'db', name: 'mysql' };
const mysql = (extra: object) => ({ kind: 'service', service: { namespace: 'db', name: 'mysql' }, ...extra });

describe('VirtualService tcp rules', () => {
  it('makes one TCP route per match port, in order, and one for every port without matches', () => {
    const { tcp, messages } = lower(`  - match: [{ port: 3306 }, { port: 3307 }]
    route:
    - { destination: { host: mysql, port: { number: 3306 } }, weight: 90 }
    - { destination: { host: mysql-replica, port: { number: 3306 } }, weight: 10 }
  - route: [{ destination: { host: mysql } }]`);
    expect(messages).toEqual([]);
    const split = [
      mysql({ port: 3306, weight: 90 }),
      { kind: 'service', service: { namespace: 'db', name: 'mysql-replica' }, port: 3306, weight: 10 },
    ];
    expect(tcp).toEqual([
      { name: 'VirtualService/db/mysql/tcp/0/0', origin, port: 3306, backends: split },
      { name: 'VirtualService/db/mysql/tcp/0/1', origin, port: 3307, backends: split },
      { name: 'VirtualService/db/mysql/tcp/1', origin, backends: [mysql({ weight: 100 })] },
    ]);
  });

  it('skips matches on source labels or subnets rather than widening them, with a warning', () => {
    const { tcp, messages } =
      lower(`  - match: [{ port: 3306, sourceLabels: { app: batch } }, { port: 3306, gateways: [ingress] }, { port: 3307 }]
    route: [{ destination: { host: mysql } }]`);
    expect(tcp.map((r) => r.name)).toEqual(['VirtualService/db/mysql/tcp/0/2']);
    expect(messages).toEqual([
      'tcp.yaml[doc 0]: VirtualService db/mysql: spec.tcp[0].match[0].sourceLabels: is not supported; the match is skipped, so a rule never matches more than it says',
    ]);
  });

  it('drops a rule without destinations or with a bad port and serves the next', () => {
    const { tcp, messages } = lower(`  - match: [{ port: 3306 }]
  - match: [{ port: 70000 }]
    route: [{ destination: { host: mysql } }]
  - route: [{ destination: { host: mysql } }]`);
    expect(tcp.map((r) => r.name)).toEqual(['VirtualService/db/mysql/tcp/2']);
    expect(messages).toEqual([
      'tcp.yaml[doc 0]: VirtualService db/mysql: spec.tcp[0].route: is required',
      'tcp.yaml[doc 0]: VirtualService db/mysql: spec.tcp[1].match[0].port: must be an integer 1..65535, got 70000',
    ]);
  });
});
