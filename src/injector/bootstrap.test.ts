import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Bootstrap } from '../generated/envoy/config/bootstrap/v3/Bootstrap.js';
import { type NodeInfo, nodeClaims, proxyFromNode } from '../model/proxy.js';
import { formatFieldError } from '../xds/envoy/resource-codec.js';
import { encodeBootstrap, type SidecarBootstrapInput, sidecarBootstrap } from './bootstrap.js';
import { kubernetesArg, POD_IP_ENV, POD_NAME_ENV, sidecarParts } from './sidecar-container.js';
import {
  CA_ROOT_CONFIGMAP,
  CA_ROOT_DIR,
  CREDENTIALS_DIR,
  TOKEN_AUDIENCE,
  XDS_CLIENT_FILE,
  XDS_CLIENT_SECRET,
  XDS_ROOT_FILE,
  XDS_ROOT_SECRET,
} from './sidecar-layout.js';

const base: SidecarBootstrapInput = {
  namespace: 'shop',
  serviceAccount: 'web',
  podName: 'web-7d9f8-abcde',
  podIp: '10.1.2.3',
  trellisVersion: '0.1.0',
  controlPlane: { namespace: 'trellis-system' },
};

const cases: Record<string, SidecarBootstrapInput> = {
  plain: base,
  labels: { ...base, labels: { 'pod-template-hash': '7d9f8', app: 'web', version: 'v2' } },
  ipv6: { ...base, podIp: 'fd00:10:244::7', ipFamily: 'IPv6' },
};

function encodes(bootstrap: Bootstrap): void {
  const encoded = encodeBootstrap(bootstrap);
  expect(encoded.ok ? [] : encoded.errors.map(formatFieldError)).toEqual([]);
}

/** What Envoy sends as its node: the bootstrap's, as the ADS server reads it (node-info.ts). */
function nodeInfo(bootstrap: Bootstrap): NodeInfo {
  return {
    id: bootstrap.node?.id ?? '',
    metadata: bootstrap.node?.metadata ?? {},
    userAgentName: 'envoy',
  };
}

/** Kubernetes's expansion of a container's args: `$$` is `$`, `$(NAME)` of a defined env var its value. */
function expandLikeKubelet(arg: string, env: Readonly<Record<string, string>>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? whole),
  );
}

describe('sidecarBootstrap', () => {
  for (const [name, input] of Object.entries(cases)) {
    it(`writes the ${name} pod's bootstrap as reviewed (testdata/bootstrap/${name}.yaml)`, async () => {
      const bootstrap = sidecarBootstrap(input);
      await expect(stringify(bootstrap)).toMatchFileSnapshot(`testdata/bootstrap/${name}.yaml`);
    });

    it(`encodes the ${name} pod's bootstrap strictly and it passes Envoy's validate rules`, () => {
      encodes(sidecarBootstrap(input));
    });

    it(`gives the ${name} pod a node that Trellis reads back as the same namespace and service account`, () => {
      const node = nodeInfo(sidecarBootstrap(input));
      expect(nodeClaims(node)).toEqual({ namespace: 'shop', serviceAccount: 'web' });
      const proxy = proxyFromNode(node);
      expect(proxy).toMatchObject({
        kind: 'sidecar',
        namespace: 'shop',
        ip: input.podIp,
        podName: input.podName,
      });
      expect(proxy.profile?.kind).toBe('envoy');
    });
  }

  it('is refused by the strict encoder when a field is wrong, so the checks above are not vacuous', () => {
    const bootstrap = sidecarBootstrap(base);
    const broken = {
      ...bootstrap,
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 70_000 } } },
    };
    const encoded = encodeBootstrap(broken);
    expect(encoded.ok).toBe(false);
    expect(encoded.ok ? '' : encoded.errors.map(formatFieldError).join()).toContain(
      'admin.address.socket_address.port_value',
    );
    expect(encodeBootstrap({ ...bootstrap, adminn: {} } as Bootstrap).ok).toBe(false);
  });

  it('connects its delta ADS stream to trellis.<ns>.svc:15012 over h2 TLS, checking that name against the mounted root', () => {
    const bootstrap = sidecarBootstrap(base);
    expect(bootstrap.dynamic_resources?.ads_config).toMatchObject({
      api_type: 'DELTA_GRPC',
      grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
    });
    const xds = bootstrap.static_resources?.clusters?.find((c) => c.name === 'xds-grpc');
    expect(
      xds?.load_assignment?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address,
    ).toEqual({
      address: 'trellis.trellis-system.svc',
      port_value: 15012,
    });
    const tls = xds?.transport_socket?.typed_config as Record<string, unknown>;
    expect(tls).toMatchObject({
      sni: 'trellis.trellis-system.svc',
      common_tls_context: {
        alpn_protocols: ['h2'],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: [
              { san_type: 'DNS', matcher: { exact: 'trellis.trellis-system.svc' } },
            ],
          },
        },
      },
    });
  });

  it('reads the ADS client certificate and the root through file SDS in the credentials directory it watches', () => {
    const xds = sidecarBootstrap(base).static_resources?.clusters?.find((c) => c.name === 'xds-grpc');
    const tls = xds?.transport_socket?.typed_config as unknown as {
      common_tls_context: Record<string, unknown>;
    };
    const common = tls.common_tls_context;
    const fileSource = (file: string) => ({
      path_config_source: {
        path: `${CREDENTIALS_DIR}/${file}`,
        watched_directory: { path: CREDENTIALS_DIR },
      },
      resource_api_version: 'V3',
    });
    expect(common.tls_certificate_sds_secret_configs).toEqual([
      { name: XDS_CLIENT_SECRET, sds_config: fileSource(XDS_CLIENT_FILE) },
    ]);
    expect(
      (common.combined_validation_context as Record<string, unknown>).validation_context_sds_secret_config,
    ).toEqual({ name: XDS_ROOT_SECRET, sds_config: fileSource(XDS_ROOT_FILE) });
  });

  it('takes the static listeners and clusters the pod patch adds (probe forwarding) and still encodes', () => {
    const bootstrap = sidecarBootstrap({
      ...base,
      extraClusters: [
        {
          name: 'trellis-probe|8080',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'trellis-probe|8080',
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } },
                ],
              },
            ],
          },
        },
      ],
    });
    expect(bootstrap.static_resources?.clusters?.map((c) => c.name)).toEqual([
      'xds-grpc',
      'envoy-admin',
      'trellis-probe|8080',
    ]);
    encodes(bootstrap);
  });
});

describe('sidecarParts', () => {
  const env = { [POD_IP_ENV]: '10.1.2.3', [POD_NAME_ENV]: 'web-7d9f8-abcde' };

  it('passes the bootstrap in the args; once Kubernetes expanded them the node id names the pod', () => {
    const parts = sidecarParts({ ...base, labels: { app: 'web' } });
    expect(parts.envoy.args[0]).toBe('--config-yaml');
    const expanded = expandLikeKubelet(parts.envoy.args[1]!, env);
    const bootstrap = JSON.parse(expanded) as Bootstrap;
    expect(bootstrap.node?.id).toBe('sidecar~10.1.2.3~web-7d9f8-abcde.shop~shop.svc.cluster.local');
    expect(bootstrap).toEqual(sidecarBootstrap({ ...base, labels: { app: 'web' } }));
    encodes(bootstrap);
    expect(proxyFromNode(nodeInfo(bootstrap))).toMatchObject({ ip: '10.1.2.3', podName: 'web-7d9f8-abcde' });
    expect(parts.envoy.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
  });

  it('expands an IPv6 pod IP into the node id, which Trellis still splits right', () => {
    const parts = sidecarParts({ ...base, ipFamily: 'IPv6' });
    const bootstrap = JSON.parse(
      expandLikeKubelet(parts.envoy.args[1]!, { ...env, POD_IP: 'fd00:10:244::7' }),
    );
    expect(proxyFromNode(nodeInfo(bootstrap))).toMatchObject({ ip: 'fd00:10:244::7', namespace: 'shop' });
  });

  it('escapes every other $ so that Kubernetes passes it through', () => {
    const arg = kubernetesArg('a$b $$c $(POD_IP) $(HOME) $(POD_NAME)', ['POD_IP', 'POD_NAME']);
    expect(arg).toBe('a$$b $$$$c $(POD_IP) $$(HOME) $(POD_NAME)');
    expect(expandLikeKubelet(arg, { ...env, HOME: '/root' })).toBe(
      'a$b $$c 10.1.2.3 $(HOME) web-7d9f8-abcde',
    );
  });

  it('mounts the token only where the credential step runs, the root and credentials read-only in Envoy', () => {
    const parts = sidecarParts(base);
    expect(parts.volumes).toEqual([
      {
        name: 'trellis-token',
        projected: {
          sources: [
            {
              serviceAccountToken: {
                audience: TOKEN_AUDIENCE,
                expirationSeconds: 3600,
                path: 'trellis-token',
              },
            },
          ],
        },
      },
      { name: 'trellis-ca-root', configMap: { name: CA_ROOT_CONFIGMAP } },
      { name: 'trellis-credentials', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]);
    expect(parts.envoy.volumeMounts.map((m) => [m.name, m.mountPath, m.readOnly])).toEqual([
      ['trellis-credentials', CREDENTIALS_DIR, true],
      ['trellis-ca-root', CA_ROOT_DIR, true],
    ]);
    expect(parts.credential.renew.volumeMounts.map((m) => [m.name, m.readOnly ?? false])).toEqual([
      ['trellis-token', true],
      ['trellis-ca-root', true],
      ['trellis-credentials', false],
    ]);
    expect(parts.credential.once.args.at(-1)).toBe('--once');
    expect(parts.credential.renew.args).toEqual([
      'credential',
      '--address',
      'trellis.trellis-system.svc:15012',
      '--server-name',
      'trellis.trellis-system.svc',
      '--token-file',
      '/var/run/secrets/trellis/tokens/trellis-token',
      '--ca-root-file',
      '/etc/trellis/ca-root/root-cert.pem',
      '--out-dir',
      CREDENTIALS_DIR,
    ]);
  });
});
