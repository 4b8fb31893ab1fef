import { describe, expect, it } from 'vitest';
import { encodeResource } from '../xds/envoy/resource-codec.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import { readPod } from './pod-view.js';
import { PROBE_PORT, probeClusterName, probeForwarding, rewriteProbes } from './probe-rewrite.js';

const pod = readPod(
  {
    metadata: { name: 'web-0' },
    spec: {
      containers: [
        {
          name: 'app',
          ports: [{ name: 'admin', containerPort: 9000 }],
          livenessProbe: { httpGet: { path: '/healthz?deep=1', port: 8080, host: '10.0.0.1' } },
          startupProbe: { httpGet: { port: 'admin' } },
          readinessProbe: { httpGet: { path: '/ready', port: 'nope' } },
        },
        { name: 'side', readinessProbe: { tcpSocket: { port: 9090 } } },
      ],
    },
  },
  'shop',
);

describe('probe rewriting', () => {
  if (!pod.ok) throw new Error(pod.errors.join('; '));
  const rewrite = rewriteProbes(pod.value);

  it('rewrites each HTTP probe to Envoy’s probe port, dropping a host that would send kubelet elsewhere', () => {
    expect(rewrite.probes.map((p) => [p.container, p.kind, p.targetPort, p.path])).toEqual([
      ['app', 'livenessProbe', 8080, '/healthz?deep=1'],
      ['app', 'startupProbe', 9000, '/'],
    ]);
    expect(rewrite.probes[0]?.probe).toEqual({
      httpGet: { path: '/app-health/app/livenessProbe', port: PROBE_PORT, scheme: 'HTTP' },
    });
    // A TCP probe is not HTTP: untouched and unmentioned. A port name the container lacks: said.
    expect(rewrite.skipped).toEqual([
      'container app readinessProbe: port "nope" is not a port of the container',
    ]);
  });

  it('forwards them with a listener and clusters that pass the strict encoder and PGV', () => {
    const { listeners, clusters } = probeForwarding(rewrite.probes);
    expect(clusters.map((c) => c.name)).toEqual([probeClusterName(8080), probeClusterName(9000)]);
    for (const listener of listeners)
      expect(encodeResource(TYPE_URL.listener, listener)).toMatchObject({ ok: true });
    for (const cluster of clusters)
      expect(encodeResource(TYPE_URL.cluster, cluster)).toMatchObject({ ok: true });
    expect(probeForwarding([])).toEqual({ listeners: [], clusters: [] });
  });
});
