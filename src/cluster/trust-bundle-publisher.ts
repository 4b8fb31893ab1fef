// The mesh's trust bundle as a ConfigMap (`trellis-ca-root`, key `root-cert.pem`) in every namespace
// with meshed workloads: the injected sidecar mounts it to verify Trellis's TLS port before it has a
// certificate of its own. Leader only.
//
// - Meshed namespaces: those labelled for injection, and those with a pod that runs a sidecar
//   (tlsMode label "istio", which the injector sets).
// - A ConfigMap is written when it is missing or says something else (a root rotation adds and later
//   drops roots): create, or a conditional update; a 409 is read again on the next pass. One that
//   already holds the bundle costs a read and nothing more, and a namespace already current is not
//   read again until the bundle changes or forgetPublished() (every few minutes) asks for a check.
// - A namespace that stops being meshed keeps its ConfigMap: a pod there may still mount it.
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { INJECT_NAMESPACE_LABEL } from '../injector/inject-decision.js';
import { CA_ROOT_CONFIGMAP, CA_ROOT_KEY } from '../injector/sidecar-layout.js';
import { withDeadline } from '../kube-call.js';
import type { Logger } from '../log.js';
import type { Mesh } from '../model/mesh.js';
import { TLS_MODE_LABEL } from '../model/mtls.js';
import { apiCode, apiMessage } from './api-errors.js';

/** Namespaces whose pods run, or will run, a sidecar; sorted. */
export function meshedNamespaces(mesh: Pick<Mesh, 'namespaces' | 'workloads'>): string[] {
  const names = new Set<string>();
  for (const ns of mesh.namespaces) if (ns.labels[INJECT_NAMESPACE_LABEL] === 'enabled') names.add(ns.name);
  for (const w of mesh.workloads) if (w.labels[TLS_MODE_LABEL] === 'istio') names.add(w.namespace);
  return [...names].sort();
}

/** The ConfigMap calls the publisher makes (a fake in unit tests). */
export interface ConfigMapApi {
  read(namespace: string): Promise<{ readonly pem?: string; readonly resourceVersion: string } | undefined>;
  create(namespace: string, pem: string): Promise<'created' | 'conflict'>;
  update(namespace: string, pem: string, resourceVersion: string): Promise<'updated' | 'conflict'>;
}

export class TrustBundlePublisher {
  private namespaces: readonly string[] = [];
  private bundle = '';
  /** Namespace → the bundle it was last seen or made to hold. */
  private readonly current = new Map<string, string>();
  private leading = false;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly api: ConfigMapApi,
    private readonly logger: Logger,
    private readonly onWrite?: (result: 'created' | 'updated' | 'error') => void,
  ) {}

  /** The newest namespaces and bundle; publishes when leading. */
  update(namespaces: readonly string[], bundlePem: string): Promise<void> {
    this.namespaces = namespaces;
    if (bundlePem !== this.bundle) {
      this.bundle = bundlePem;
      this.current.clear();
    }
    return this.kick();
  }

  setLeader(leading: boolean): Promise<void> {
    this.leading = leading;
    this.current.clear();
    return this.kick();
  }

  /** Looks at every ConfigMap again on the next update: one deleted or edited by hand is restored. */
  forgetPublished(): void {
    this.current.clear();
  }

  /** Resolves when every publish asked for so far is done. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): Promise<void> {
    if (!this.leading || this.bundle === '') return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && this.leading);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const bundle = this.bundle;
    for (const namespace of this.namespaces) {
      if (!this.leading || bundle !== this.bundle) return;
      if (this.current.get(namespace) === bundle) continue;
      try {
        const existing = await this.api.read(namespace);
        let result: 'created' | 'updated' | 'conflict' | 'unchanged';
        if (!existing) result = await this.api.create(namespace, bundle);
        else if (existing.pem === bundle) result = 'unchanged';
        else result = await this.api.update(namespace, bundle, existing.resourceVersion);
        if (result === 'conflict') {
          this.again = true;
          continue;
        }
        this.current.set(namespace, bundle);
        if (result !== 'unchanged') {
          this.onWrite?.(result);
          this.logger.info({ namespace, configMap: CA_ROOT_CONFIGMAP }, `trust bundle ${result}`);
        }
      } catch (err) {
        this.onWrite?.('error');
        this.logger.warn(
          { namespace, configMap: CA_ROOT_CONFIGMAP, err: apiMessage(err) },
          'publishing the trust bundle failed; tried again with the next change',
        );
      }
    }
  }
}

export class KubeConfigMapApi implements ConfigMapApi {
  private readonly api: CoreV1Api;

  constructor(
    config: KubeConfig,
    private readonly timeoutMs = 10_000,
  ) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  async read(namespace: string) {
    try {
      const found = await withDeadline(
        `reading configmap ${namespace}/${CA_ROOT_CONFIGMAP}`,
        this.timeoutMs,
        (options) => this.api.readNamespacedConfigMap({ name: CA_ROOT_CONFIGMAP, namespace }, options),
      );
      const pem = found.data?.[CA_ROOT_KEY];
      return {
        ...(pem !== undefined ? { pem } : {}),
        resourceVersion: found.metadata?.resourceVersion ?? '',
      };
    } catch (err) {
      if (apiCode(err) === 404) return undefined;
      throw err;
    }
  }

  async create(namespace: string, pem: string): Promise<'created' | 'conflict'> {
    try {
      await withDeadline(`creating configmap ${namespace}/${CA_ROOT_CONFIGMAP}`, this.timeoutMs, (options) =>
        this.api.createNamespacedConfigMap({ namespace, body: configMap(namespace, pem) }, options),
      );
      return 'created';
    } catch (err) {
      if (apiCode(err) === 409) return 'conflict';
      throw err;
    }
  }

  async update(namespace: string, pem: string, resourceVersion: string): Promise<'updated' | 'conflict'> {
    const body = configMap(namespace, pem);
    body.metadata = { ...body.metadata, resourceVersion };
    try {
      await withDeadline(`updating configmap ${namespace}/${CA_ROOT_CONFIGMAP}`, this.timeoutMs, (options) =>
        this.api.replaceNamespacedConfigMap({ name: CA_ROOT_CONFIGMAP, namespace, body }, options),
      );
      return 'updated';
    } catch (err) {
      const code = apiCode(err);
      if (code === 409 || code === 404) return 'conflict';
      throw err;
    }
  }
}

function configMap(namespace: string, pem: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: CA_ROOT_CONFIGMAP,
      namespace,
      labels: { 'app.kubernetes.io/name': 'trellis', 'app.kubernetes.io/component': 'trust-bundle' },
    },
    data: { [CA_ROOT_KEY]: pem },
  };
}
