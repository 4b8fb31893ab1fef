// What `trellis serve` builds for sidecar injection: the webhook server, its certificate (the TLS
// port's, issued by the mesh CA for trellis.<namespace>.svc and rotated with it), and the mutator
// that reads namespace labels from the source's current state, never from the request.
import type { ServingCertificate } from '../ca/serving-certificate.js';
import type { PodMutator } from '../injector/admission-review.js';
import { injectionParts } from '../injector/injection-parts.js';
import type { InjectorConfig } from '../injector/pod-patch.js';
import { injectPod } from '../injector/pod-patch.js';
import { readPod } from '../injector/pod-view.js';
import { WebhookServer } from '../injector/webhook-server.js';
import type { Logger } from '../log.js';
import type { Namespace } from '../model/mesh.js';
import { fail, ok } from '../model/result.js';

export interface InjectorOptions {
  /** host:port of the webhook, or undefined when off. */
  readonly address?: string;
  readonly config: InjectorConfig;
  /** Trellis's namespace: sidecars reach it at trellis.<namespace>.svc. */
  readonly namespace: string;
  readonly clusterDomain?: string;
}

/** The PodMutator over the namespaces the source knows now. */
export function sourceMutator(
  options: InjectorOptions,
  namespaces: () => ReadonlyMap<string, Namespace>,
  logger: Logger,
): PodMutator {
  const parts = injectionParts({
    controlPlane: { namespace: options.namespace },
    trellisVersion: options.config.version,
    ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
  });
  return {
    mutate: ({ pod, namespace }) => {
      const view = readPod(pod, namespace);
      if (!view.ok) return fail(view.errors);
      const outcome = injectPod(view.value, namespaces().get(namespace)?.labels, options.config, parts);
      if (!outcome.ok) return outcome;
      if (!outcome.value.injected) return ok([]);
      for (const warning of outcome.value.warnings)
        logger.warn({ namespace, pod: view.value.name, warning }, 'sidecar injected with a warning');
      return ok(outcome.value.patch);
    },
  };
}

export function webhookServer(
  options: InjectorOptions,
  serving: ServingCertificate,
  namespaces: () => ReadonlyMap<string, Namespace>,
  logger: Logger,
): WebhookServer {
  return new WebhookServer({
    logger,
    mutator: sourceMutator(options, namespaces, logger),
    certificates: {
      current: () => {
        const pair = serving.keyPair();
        if (!pair) throw new Error('the serving certificate is not issued yet');
        return pair;
      },
      onChange: (listener) => serving.onRotate(listener),
    },
  });
}
