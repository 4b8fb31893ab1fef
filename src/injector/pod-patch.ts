// The injection itself, a pure function: pod × namespace labels × mesh config → a JSONPatch (RFC
// 6902) against the pod as the API server sent it. It adds the traffic-redirect init container,
// the Envoy sidecar (a native sidecar, or first among the containers), their volumes, rewrites
// HTTP probes to Envoy's probe listener, and marks the pod. Operations are ordered so that each
// applies to the document the previous ones left: probes are replaced before a container is
// inserted in front of them.
import { ok, type Result } from '../model/result.js';
import {
  CREDENTIAL_CONTAINER,
  INIT_CONTAINER,
  INJECTED_ANNOTATION,
  injectionDecision,
  PROXY_CONTAINER,
} from './inject-decision.js';
import type { Json, JsonObject, PodView } from './pod-view.js';
import {
  ORIGINAL_PROBES_ANNOTATION,
  originalProbesAnnotation,
  type RewrittenProbe,
  rewriteProbes,
} from './probe-rewrite.js';
import { proxyResources, type ResourceDefaults } from './proxy-resources.js';
import { PROXY_UID } from './redirect-config.js';
import { CREDENTIALS_DIR, joinPath, READINESS_PORT, STATS_PORT, XDS_CLIENT_FILE } from './sidecar-layout.js';

export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: Json }
  | { readonly op: 'remove'; readonly path: string };

export interface InjectorConfig {
  readonly proxyImage: string;
  readonly initImage: string;
  /** Trellis's own image: it runs the credential step (`trellis credential`). */
  readonly trellisImage: string;
  readonly resources: ResourceDefaults;
  /** Envoy as an init container with restartPolicy Always (Kubernetes ≥ 1.29). */
  readonly nativeSidecars: boolean;
  readonly version: string;
}

/** A container's part that another module decides. */
export interface ContainerParts {
  readonly args: readonly string[];
  readonly env: readonly JsonObject[];
  readonly volumeMounts: readonly JsonObject[];
}

/** What the sidecar needs in the pod (sidecar-container.ts builds it). */
export interface SidecarParts {
  readonly envoy: ContainerParts;
  /**
   * The credential step that gets Envoy's certificate for its xDS connection: `renew`, a native
   * sidecar that keeps it fresh; `once`, an init container where native sidecars are off.
   */
  readonly credential?: { readonly renew: ContainerParts; readonly once: ContainerParts };
  readonly volumes: readonly JsonObject[];
}

/** How the pieces are made: injected, so this module composes and the others decide. */
export interface InjectionParts {
  sidecar(pod: PodView, probes: readonly RewrittenProbe[]): Result<SidecarParts, string>;
  /** The init container's environment: the rendered iptables rules. */
  redirect(pod: PodView): Result<readonly JsonObject[], string>;
}

export type InjectionOutcome =
  | {
      readonly injected: true;
      readonly patch: readonly JsonPatchOperation[];
      readonly warnings: readonly string[];
    }
  | { readonly injected: false; readonly reason: string };

/** Marks a pod as meshed for auto mTLS (Istio's label): it has a sidecar. */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
const CREDENTIAL_FILE = joinPath(CREDENTIALS_DIR, XDS_CLIENT_FILE);

// Envoy and the credential step run as the proxy's user, whose traffic the redirect lets through,
// with nothing they do not need.
const PROXY_SECURITY_CONTEXT: JsonObject = {
  runAsUser: PROXY_UID,
  runAsGroup: PROXY_UID,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
};

export function injectPod(
  pod: PodView,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
  config: InjectorConfig,
  parts: InjectionParts,
): Result<InjectionOutcome, string> {
  const decision = injectionDecision(pod, namespaceLabels);
  if (!decision.inject) return ok({ injected: false, reason: decision.reason });
  const warnings: string[] = [];
  const probes = rewriteProbes(pod);
  warnings.push(...probes.skipped);
  const sidecar = parts.sidecar(pod, probes.probes);
  if (!sidecar.ok) return sidecar;
  const redirect = parts.redirect(pod);
  if (!redirect.ok) return redirect;
  const resources = proxyResources(pod.annotations, config.resources);
  warnings.push(...resources.warnings);
  const image = pod.annotations['trellis.dev/proxy-image'] || config.proxyImage;

  const native = config.nativeSidecars;
  const proxy = proxyContainer(image, sidecar.value.envoy, resources.value, native);
  const init = initContainer(config.initImage, redirect.value);
  const credentialParts = sidecar.value.credential;
  const credential = credentialParts
    ? credentialContainer(config.trellisImage, native ? credentialParts.renew : credentialParts.once, native)
    : undefined;
  const patch: JsonPatchOperation[] = [];
  // Probes first: the classic sidecar goes in front of the containers and shifts their indices.
  for (const p of probes.probes)
    patch.push({ op: 'replace', path: `/spec/containers/${p.containerIndex}/${p.kind}`, value: p.probe });
  // Order: the redirect, then the credential Envoy needs, then (native) Envoy, then the app's own.
  const initList = [init, ...(credential ? [credential] : []), ...(native ? [proxy] : [])];
  if (pod.initContainerCount === undefined)
    patch.push({ op: 'add', path: '/spec/initContainers', value: initList });
  else
    for (const [i, c] of initList.entries())
      patch.push({ op: 'add', path: `/spec/initContainers/${i}`, value: c });
  if (!native) patch.push({ op: 'add', path: '/spec/containers/0', value: proxy });
  if (sidecar.value.volumes.length > 0) {
    if (pod.volumeCount === undefined)
      patch.push({ op: 'add', path: '/spec/volumes', value: [...sidecar.value.volumes] });
    else for (const v of sidecar.value.volumes) patch.push({ op: 'add', path: '/spec/volumes/-', value: v });
  }
  const annotations: Record<string, string> = {
    [INJECTED_ANNOTATION]: JSON.stringify({ version: config.version, image }),
    ...(probes.probes.length > 0
      ? { [ORIGINAL_PROBES_ANNOTATION]: originalProbesAnnotation(probes.probes) }
      : {}),
  };
  const labels = { [TLS_MODE_LABEL]: 'istio' };
  if (!pod.hasMetadata) patch.push({ op: 'add', path: '/metadata', value: { annotations, labels } });
  else {
    patch.push(...setAll('/metadata/annotations', pod.hasAnnotations, annotations));
    patch.push(...setAll('/metadata/labels', pod.hasLabels, labels));
  }
  return ok({ injected: true, patch, warnings });
}

/** Adds each key to a map that may not exist yet; `add` on an existing key replaces it. */
function setAll(path: string, exists: boolean, values: Record<string, string>): JsonPatchOperation[] {
  if (!exists) return [{ op: 'add', path, value: values }];
  return Object.entries(values).map(([key, value]) => ({
    op: 'add',
    path: `${path}/${escapePointer(key)}`,
    value,
  }));
}

/** RFC 6901: ~ is ~0 and / is ~1 in a JSON pointer token. */
export function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function proxyContainer(
  image: string,
  parts: ContainerParts,
  resources: JsonObject,
  native: boolean,
): JsonObject {
  return {
    name: PROXY_CONTAINER,
    image,
    args: [...parts.args],
    env: [...parts.env],
    ports: [{ name: 'http-envoy-prom', containerPort: STATS_PORT, protocol: 'TCP' }],
    readinessProbe: {
      httpGet: { path: '/healthz/ready', port: READINESS_PORT },
      periodSeconds: 2,
      failureThreshold: 30,
    },
    resources,
    securityContext: PROXY_SECURITY_CONTEXT,
    volumeMounts: [...parts.volumeMounts],
    ...(native
      ? // A native sidecar: started before the app's init containers and kept running.
        { restartPolicy: 'Always' }
      : // Classic: kubelet starts the next container only once this hook returns, so the app
        // starts with Envoy ready. Bounded: after a minute the app starts anyway.
        {
          lifecycle: {
            postStart: {
              exec: {
                command: [
                  'sh',
                  '-c',
                  `for i in $(seq 1 60); do wget -q -O /dev/null http://127.0.0.1:${READINESS_PORT}/healthz/ready && exit 0; sleep 1; done; exit 0`,
                ],
              },
            },
          },
        }),
  };
}

/** The credential step, as UID 1337 so its connection to Trellis bypasses the redirect. */
function credentialContainer(image: string, parts: ContainerParts, native: boolean): JsonObject {
  return {
    name: CREDENTIAL_CONTAINER,
    image,
    args: [...parts.args],
    env: [...parts.env],
    volumeMounts: [...parts.volumeMounts],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
    securityContext: PROXY_SECURITY_CONTEXT,
    ...(native
      ? {
          restartPolicy: 'Always',
          // Envoy starts once the certificate it reads is written.
          startupProbe: {
            exec: { command: ['test', '-s', CREDENTIAL_FILE] },
            periodSeconds: 1,
            failureThreshold: 120,
          },
        }
      : {}),
  };
}

function initContainer(image: string, env: readonly JsonObject[]): JsonObject {
  return {
    name: INIT_CONTAINER,
    image,
    env: [...env],
    resources: { requests: { cpu: '10m', memory: '10Mi' }, limits: { cpu: '100m', memory: '50Mi' } },
    securityContext: {
      // iptables needs root and these two capabilities, nothing more.
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}
