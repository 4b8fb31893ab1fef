import { describe, expect, it } from 'vitest';
import { injectionParts } from './injection-parts.js';
import { readPod } from './pod-view.js';

const pod = readPod({ metadata: { name: 'web-0' }, spec: { containers: [{ name: 'app' }] } }, 'shop');

describe('injectionParts', () => {
  if (!pod.ok) throw new Error(pod.errors.join('; '));
  const envNames = (dualStack: boolean) => {
    const env = injectionParts({
      controlPlane: { namespace: 'trellis-system' },
      trellisVersion: '0.1.0',
      dualStack,
    }).redirect(pod.value);
    if (!env.ok) throw new Error(env.errors.join('; '));
    return env.value.map((e) => e.name);
  };

  it('gives the init container ip6tables rules too when the cluster is dual-stack', () => {
    expect(envNames(false)).toEqual(['TRELLIS_IPTABLES_RULES']);
    expect(envNames(true)).toEqual(['TRELLIS_IPTABLES_RULES', 'TRELLIS_IP6TABLES_RULES']);
  });

  it('turns a bad redirect annotation into a reason naming it', () => {
    const bad = readPod(
      {
        metadata: { name: 'web-0', annotations: { 'trellis.dev/exclude-outbound-ports': 'http' } },
        spec: { containers: [{ name: 'app' }] },
      },
      'shop',
    );
    if (!bad.ok) throw new Error(bad.errors.join('; '));
    const env = injectionParts({
      controlPlane: { namespace: 'trellis-system' },
      trellisVersion: '0.1.0',
    }).redirect(bad.value);
    expect(env.ok ? '' : env.errors[0]).toContain('trellis.dev/exclude-outbound-ports: "http" is not a port');
  });
});
