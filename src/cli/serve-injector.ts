// What `trellis serve` builds for sidecar injection: the webhook server, its certificate (the TLS
// port's, issued by the mesh CA for trellis.<namespace>.svc and rotated with it), and the mutator
// that reads namespace labels from the source's current state, never from the request.
import fs from 'node:fs/promises';
import tls from 'node:tls';
import type { ServingCertificate } from '../ca/serving-certificate.js';
import type { PodMutator } from '../injector/admission-review.js';
import { injectionParts } from '../injector/injection-parts.js';
import type { InjectorConfig } from '../injector/pod-patch.js';
import { injectPod } from '../injector/pod-patch.js';
import { readPod } from '../injector/pod-view.js';
import { type WebhookCertificateProvider, WebhookServer } from '../injector/webhook-server.js';
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
  /** A certificate and key of the user's for the webhook, in place of the mesh CA's. */
  readonly certificateFiles?: { readonly cert: string; readonly key: string };
  /** The cluster gives pods IPv6 addresses too: the redirect gets ip6tables rules. */
  readonly dualStack?: boolean;
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
    ...(options.dualStack ? { dualStack: true } : {}),
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
      // The API server shows these to whoever created the pod (kubectl prints them).
      return ok({ patch: outcome.value.patch, warnings: outcome.value.warnings });
    },
  };
}

export async function webhookServer(
  options: InjectorOptions,
  serving: ServingCertificate,
  namespaces: () => ReadonlyMap<string, Namespace>,
  logger: Logger,
): Promise<WebhookServer> {
  return new WebhookServer({
    logger,
    mutator: sourceMutator(options, namespaces, logger),
    certificates: options.certificateFiles
      ? await fileCertificates(options.certificateFiles, logger)
      : {
          current: () => {
            const pair = serving.keyPair();
            if (!pair) throw new Error('the serving certificate is not issued yet');
            return pair;
          },
          onChange: (listener) => serving.onRotate(listener),
        },
  });
}

// How often the user's certificate files are looked at for a new version (cert-manager rewrites
// them well before expiry; a minute late is nothing).
const CERT_FILE_POLL_MS = 60_000;

/** The user's certificate and key files, read at start (a bad pair stops the start) and when they change. */
async function fileCertificates(
  files: { readonly cert: string; readonly key: string },
  logger: Logger,
): Promise<WebhookCertificateProvider> {
  const read = async () => ({
    certChainPem: await fs.readFile(files.cert, 'utf8'),
    privateKeyPem: await fs.readFile(files.key, 'utf8'),
  });
  let pair = await read();
  try {
    tls.createSecureContext({ cert: pair.certChainPem, key: pair.privateKeyPem });
  } catch (err) {
    throw new Error(
      `--webhook-cert ${files.cert} / --webhook-key ${files.key}: not a certificate and its key (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const listeners = new Set<() => void>();
  const check = () => {
    read().then(
      (next) => {
        if (next.certChainPem === pair.certChainPem && next.privateKeyPem === pair.privateKeyPem) return;
        pair = next;
        logger.info({ cert: files.cert }, 'webhook certificate file changed');
        for (const listener of [...listeners]) listener();
      },
      (err: unknown) =>
        logger.warn({ err, cert: files.cert }, 'webhook certificate files unreadable; keeping the last'),
    );
  };
  return {
    current: () => pair,
    onChange: (listener) => {
      listeners.add(listener);
      const timer = setInterval(check, CERT_FILE_POLL_MS);
      timer.unref();
      return () => {
        listeners.delete(listener);
        clearInterval(timer);
      };
    },
  };
}
