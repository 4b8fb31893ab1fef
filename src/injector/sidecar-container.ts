// What the pod patch adds for the sidecar's bootstrap and identity: the Envoy container's args, env
// and mounts, the credential step's container args and mounts, and the pod volumes. The pod patch
// decides the rest (images, UIDs, resources, probes, where each container goes).
//
// The bootstrap travels in Envoy's args (`--config-yaml`: JSON is YAML), so no file has to be
// delivered before Envoy starts. The pod's IP and name are not known when the webhook runs (a
// ReplicaSet's pod gets its name from generateName after admission), so the node id names them as
// `$(POD_IP)` and `$(POD_NAME)`, which Kubernetes expands in a container's args from its env (the
// downward API). Every other `$` is written `$$`, which Kubernetes turns back into one `$`.
import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Bootstrap } from '../generated/envoy/config/bootstrap/v3/Bootstrap.js';
import {
  bootstrapJson,
  type SidecarBootstrapInput,
  sidecarBootstrap,
  trellisServerName,
} from './bootstrap.js';
import {
  CA_ROOT_CONFIGMAP,
  CA_ROOT_DIR,
  CA_ROOT_KEY,
  CA_ROOT_VOLUME,
  CREDENTIALS_DIR,
  CREDENTIALS_VOLUME,
  joinPath,
  TOKEN_AUDIENCE,
  TOKEN_DIR,
  TOKEN_EXPIRATION_SECONDS,
  TOKEN_FILE,
  TOKEN_VOLUME,
  TRELLIS_TLS_PORT,
} from './sidecar-layout.js';

/** The env vars the node id refers to, from the downward API. */
export const POD_NAME_ENV = 'POD_NAME';
export const POD_IP_ENV = 'POD_IP';

export type SidecarInput = Omit<SidecarBootstrapInput, 'podName' | 'podIp'> & {
  /** Envoy worker threads; default 2, as Istio: Envoy's own default is every CPU of the node. */
  readonly concurrency?: number;
};

type ContainerParts = Required<Pick<V1Container, 'args' | 'env' | 'volumeMounts'>>;

export interface SidecarParts {
  /** The bootstrap with `$(POD_IP)`/`$(POD_NAME)` in its node id, as Envoy will read it once expanded. */
  readonly bootstrap: Bootstrap;
  readonly bootstrapJson: string;
  /** The same bootstrap as YAML, for humans (`trellis inject` output, debugging). */
  readonly bootstrapYaml: string;
  /** The Envoy container (UID 1337). It needs no token: it proves itself with the written certificate. */
  readonly envoy: ContainerParts;
  /**
   * The credential step (`trellis credential`, src/injector/credential-command.ts), in the Trellis
   * image, as UID 1337 so that its connection to Trellis bypasses the traffic redirect. `renew`:
   * a native sidecar (`restartPolicy: Always`) placed after the iptables init container and before
   * Envoy, with a startupProbe on the written file; `once`: the same step as an ordinary init
   * container, for clusters without native sidecars (then nothing renews the certificate).
   */
  readonly credential: { readonly renew: ContainerParts; readonly once: ContainerParts };
  readonly volumes: readonly V1Volume[];
}

export function sidecarParts(input: SidecarInput): SidecarParts {
  const bootstrap = sidecarBootstrap({ ...input, podName: `$(${POD_NAME_ENV})`, podIp: `$(${POD_IP_ENV})` });
  const json = bootstrapJson(bootstrap);
  const cp = input.controlPlane;
  const credentialArgs = [
    'credential',
    '--address',
    `${cp.host ?? trellisServerName(cp)}:${cp.port ?? TRELLIS_TLS_PORT}`,
    '--server-name',
    trellisServerName(cp),
    '--token-file',
    joinPath(TOKEN_DIR, TOKEN_FILE),
    '--ca-root-file',
    joinPath(CA_ROOT_DIR, CA_ROOT_KEY),
    '--out-dir',
    CREDENTIALS_DIR,
  ];
  const credentialMounts: V1VolumeMount[] = [
    { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    { name: CA_ROOT_VOLUME, mountPath: CA_ROOT_DIR, readOnly: true },
    { name: CREDENTIALS_VOLUME, mountPath: CREDENTIALS_DIR },
  ];
  return {
    bootstrap,
    bootstrapJson: json,
    bootstrapYaml: stringify(bootstrap),
    envoy: {
      args: [
        '--config-yaml',
        kubernetesArg(json, [POD_NAME_ENV, POD_IP_ENV]),
        '--concurrency',
        String(input.concurrency ?? 2),
      ],
      env: downwardApiEnv(),
      volumeMounts: [
        { name: CREDENTIALS_VOLUME, mountPath: CREDENTIALS_DIR, readOnly: true },
        { name: CA_ROOT_VOLUME, mountPath: CA_ROOT_DIR, readOnly: true },
      ],
    },
    credential: {
      renew: { args: credentialArgs, env: [], volumeMounts: credentialMounts },
      once: { args: [...credentialArgs, '--once'], env: [], volumeMounts: credentialMounts },
    },
    volumes: sidecarVolumes(),
  };
}

export function downwardApiEnv(): V1EnvVar[] {
  return [
    { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: POD_IP_ENV, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
}

export function sidecarVolumes(): V1Volume[] {
  return [
    {
      name: TOKEN_VOLUME,
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: TOKEN_AUDIENCE,
              expirationSeconds: TOKEN_EXPIRATION_SECONDS,
              path: TOKEN_FILE,
            },
          },
        ],
      },
    },
    { name: CA_ROOT_VOLUME, configMap: { name: CA_ROOT_CONFIGMAP } },
    // Memory: the private key never touches the node's disk.
    { name: CREDENTIALS_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
  ];
}

/**
 * Text for a container arg that Kubernetes must pass through unchanged except for the `$(NAME)`
 * references listed: every `$` doubled, then those references restored.
 */
export function kubernetesArg(text: string, references: readonly string[]): string {
  let escaped = text.replaceAll('$', '$$$$');
  for (const name of references) escaped = escaped.replaceAll(`$$(${name})`, `$(${name})`);
  return escaped;
}
